"""`relay check` lists every fault of a broken configuration folder at once, each with where it is."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from relay import i18n
from relay.checks import run_checks

PROJECT = Path(__file__).resolve().parents[2]
LANGS = ("nb", "nn", "en", "sv")


def _sectors_toml(ids) -> str:
    entries = []
    for i in ids:
        names = ", ".join(f'{lang} = "{i} {lang}"' for lang in LANGS)
        entries.append(f'[[sector]]\nid = "{i}"\nnames = {{ {names} }}\n')
    return "\n".join(entries)


SECTOR_IDS = [  # ../shared/reference/SECTORS.md, in its order
    "governance", "child-welfare", "education", "health-care", "elderly-care", "disability", "social-services",
    "housing", "planning-environment", "integration", "minorities-sami", "equality-violence", "privacy",
    "democracy-participation", "culture-language-religion", "employment", "justice-detention",
]
SOURCES = """
[[source]]
key = "regjeringen"
kind = "rss"
name = "Regjeringen"
url = "https://www.regjeringen.no/no/rss/"
"""


@pytest.fixture
def relay_home(tmp_path, monkeypatch):
    """A copy of config/, templates/ and the catalogues, with sources and sectors files that are sound."""
    home = tmp_path / "home"
    shutil.copytree(PROJECT / "config", home / "config")
    shutil.copytree(PROJECT / "templates", home / "templates")
    (home / "config" / "sources.toml").write_text(SOURCES, encoding="utf-8")
    (home / "config" / "sectors.toml").write_text(_sectors_toml(SECTOR_IDS), encoding="utf-8")
    locales = tmp_path / "locales"
    shutil.copytree(i18n.LOCALES, locales)
    monkeypatch.setenv("RELAY_HOME", str(home))
    for name in ("RELAY_CONFIG", "RELAY_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(i18n, "LOCALES", locales)
    i18n.catalogue.cache_clear()
    yield home
    i18n.catalogue.cache_clear()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_sound_configuration_has_no_problems(relay_home):
    assert run_checks() == []


def test_it_lists_every_fault_with_its_file_and_entry(relay_home):
    config, templates = relay_home / "config", relay_home / "templates"
    _edit(config / "relay.toml", "port = 25", "port = 70000")
    (config / "sources.toml").write_text(SOURCES + SOURCES.replace('"rss"', '"rsss"'), encoding="utf-8")
    sectors = _sectors_toml(SECTOR_IDS).replace('nn = "health-care nn", ', "")
    (config / "sectors.toml").write_text(sectors, encoding="utf-8")
    _edit(templates / "email" / "digest" / "body.html", "{% block content %}", "{% block content %}{% if %}")
    _edit(templates / "web" / "home.html", "{% block content %}", "{% block content %}{{ broken( }}")
    (templates / "email" / "signin" / "subject.txt").unlink()
    catalogue = i18n.LOCALES / "ops.sv.toml"
    catalogue.write_text("\n".join(line for line in catalogue.read_text(encoding="utf-8").splitlines()
                                   if not line.startswith("none_open")), encoding="utf-8")
    _edit(config / "register" / "no" / "municipalities.toml", 'malform = "nynorsk"', 'malform = "dialekt"')

    problems = run_checks()
    text = "\n".join(problems)
    expected = [
        ("config/relay.toml", "smtp.port"),
        ("sources.toml source #2 (regjeringen)", "duplicate key 'regjeringen'"),
        ("sources.toml source #2 (regjeringen)", "unknown kind 'rsss'"),
        ("health-care", "no name in nn"),
        ("templates/email/digest/body.html line", "Expected an expression"),
        ("templates/web/home.html line", ""),
        ("templates/email/signin/subject.txt", "missing"),
        ("relay/locales/ops.sv.toml", "incidents.none_open"),
        ("config/register/no/municipalities.toml [[municipality]]", "malform must be one of"),
    ]
    for where, what in expected:
        assert any(where in p and what in p for p in problems), f"{where} … {what} not in:\n{text}"
    assert len(problems) == len(expected), text


def test_missing_sources_and_sectors_files_are_named(relay_home):
    (relay_home / "config" / "sources.toml").unlink()
    (relay_home / "config" / "sectors.toml").unlink()
    problems = run_checks()
    assert any("sources.toml: file not found" in p for p in problems)
    assert any("sectors.toml: file not found" in p for p in problems)
