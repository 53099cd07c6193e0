"""config/sectors.toml loads, and a broken file is refused with errors that name the rule."""

from __future__ import annotations

import pytest

from relay.tagging.sectors import SECTOR_IDS, SectorsFileError, load_sectors_file

GOOD_SECTORS = "\n".join(
    f'[[sector]]\nid = "{s}"\nnames = {{ nb = "{s}", nn = "{s}", en = "{s}", sv = "{s}" }}\n' for s in SECTOR_IDS)


def test_the_shipped_file_loads_with_the_17_sectors_in_order():
    rules = load_sectors_file("config/sectors.toml")
    assert [s.id for s in rules.sectors] == list(SECTOR_IDS)
    assert all(set(s.names) >= {"nb", "nn", "en", "sv"} for s in rules.sectors)
    assert {r.kind for r in rules.rules} == {"text", "meta", "prior", "negative"}


def test_it_names_the_broken_rule(tmp_path):
    broken = GOOD_SECTORS + """
[[sector.rule]]
id = "justice-detention.text.bad"
weight = 1.0
terms = ["ok term", "*a"]

[[sector.rule]]
id = "justice-detention.prior.too-strong"
kind = "prior"
field = "body"
values = ["CAT"]
weight = 1.0

[[sector.rule]]
id = "justice-detention.meta.typo"
kind = "meta"
feild = "article"
weight = 1.0
"""
    path = tmp_path / "sectors.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(SectorsFileError) as info:
        load_sectors_file(path)
    message = str(info.value)
    assert "rule 'justice-detention.text.bad'" in message and "'*a'" in message
    assert "rule 'justice-detention.prior.too-strong'" in message and "decide alone" in message
    assert "rule 'justice-detention.meta.typo'" in message and "unknown key 'feild'" in message


def test_it_refuses_missing_or_reordered_sectors(tmp_path):
    path = tmp_path / "sectors.toml"
    path.write_text('[[sector]]\nid = "housing"\nnames = { nb = "Bolig" }\n', encoding="utf-8")
    with pytest.raises(SectorsFileError, match="sectors must be exactly") as info:
        load_sectors_file(path)
    assert "sector 'housing': no name in nn, en, sv" in str(info.value)
