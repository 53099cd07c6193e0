"""config/sources.toml as shipped: every entry valid for its collector, every kind used and documented."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from sqlalchemy import select

import feeds
from feeds import COLLECTORS, collector
from relay.db import transaction
from relay.models import Source
from relay.sources import SourcesFileError, read_sources_file, sync_sources

PROJECT = Path(__file__).resolve().parent.parent
SOURCES = PROJECT / "config" / "sources.toml"
TREATY_BODIES = ("CRC/C/NOR/", "CEDAW/C/NOR/", "CERD/C/NOR/", "CCPR/C/NOR/", "E/C.12/NOR/", "CRPD/C/NOR/", "CAT/C/NOR/")
HUDOC_SITES = ("ECHR", "ESC", "EXEC", "CPT", "ECRI", "GRETA", "GREVIO", "FCNM", "ECRML", "GRECO", "COMMHR")


@pytest.fixture(scope="module")
def defs():
    return read_sources_file(SOURCES)


def test_every_entry_is_accepted_by_its_collector(defs):
    for d in defs:
        module = collector(d.kind)
        assert callable(module.fetch) and callable(module.parse)
        assert module.check_params(d.params) == [], d.key


def test_every_kind_is_configured_and_documented(defs):
    docs = (PROJECT / "docs" / "sources.md").read_text(encoding="utf-8")
    assert {d.kind for d in defs} == set(COLLECTORS)
    for kind in COLLECTORS:
        assert f"`{kind}`" in docs, f"docs/sources.md does not describe the kind {kind!r}"


def test_every_collector_module_in_feeds_is_registered():
    registered = set(COLLECTORS.values())
    for info in pkgutil.iter_modules(feeds.__path__):
        module = importlib.import_module(f"feeds.{info.name}")
        if hasattr(module, "fetch") and hasattr(module, "parse"):
            assert module.__name__ in registered, f"{module.__name__} collects but is not in feeds.COLLECTORS"


def test_the_real_sources_are_all_there(defs):
    live = [d for d in defs if not d.paused]
    echr = [d.params for d in live if d.kind == "hudoc" and d.params["instance"] == "ECHR"]
    assert {"respondent": ["NOR"], "languages": ["ENG", "FRE"]}.items() <= echr[0].items()
    assert any(p.get("languages") == ["NOR"] and "respondent" not in p for p in echr)  # translations
    assert any("importance" in p.get("extra", "") and "GRANDCHAMBER" in p["extra"] for p in echr)  # key cases
    assert {d.params["instance"] for d in live if d.kind == "hudoc"} == set(HUDOC_SITES)
    assert {d.params["instance"] for d in defs if d.kind == "hudoc-rss"} == set(HUDOC_SITES)
    symbols = [s for d in live if d.kind == "undl" for s in d.params["symbols"]]
    assert all(any(s.startswith(prefix) for s in symbols) for prefix in TREATY_BODIES)
    assert [d.params["countries"] for d in live if d.kind == "uhri"] == [["Norway"]]  # enabled: streamed now
    feeds_ = [d.url for d in live if d.kind == "rss"]
    assert any("h%C3%B8ringer" in url for url in feeds_) and any("nouer" in url for url in feeds_)


def test_a_misspelt_or_mistyped_param_is_reported_with_its_source(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text('''
[[source]]
key = "echr"
kind = "hudoc"
name = "ECHR"
[source.params]
instance = "ECHR"
respondnet = ["NOR"]

[[source]]
key = "crc"
kind = "undl"
name = "CRC"
[source.params]
symbols = "CRC/C/NOR/*"

[[source]]
key = "uhri"
kind = "uhri"
name = "UHRI"
[source.params]
max_bytes = "1 GB"
''', encoding="utf-8")
    with pytest.raises(SourcesFileError) as caught:
        read_sources_file(path)
    lines = str(caught.value).splitlines()
    assert any("(echr)" in line and "unknown param 'respondnet'" in line for line in lines)
    assert any("(crc)" in line and "'symbols' must list" in line for line in lines)
    assert any("(uhri)" in line and "'max_bytes' must be int" in line for line in lines)


def test_the_shipped_file_syncs_into_source_rows(engine, defs):
    with transaction(engine) as session:
        assert sync_sources(session=session, defs=defs)["created"] == len(defs)
    with transaction(engine) as session:
        rows = {s.key: s for s in session.scalars(select(Source))}
        assert rows["uhri"].paused is False and rows["hudoc-rss-echr"].paused is True
        assert rows["hudoc-cpt-norway"].params["headers"] == {"Referer": "https://hudoc.cpt.coe.int/eng"}
    with transaction(engine) as session:
        assert sync_sources(session=session, defs=defs)["unchanged"] == len(defs)
