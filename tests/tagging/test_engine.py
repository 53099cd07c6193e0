"""The engine on real HUDOC rows and on the language traps SECTORS.md §8 warns about."""

from __future__ import annotations

import json

import pytest

from relay.tagging.engine import tag
from relay.tagging.sectors import get_ruleset
from tests.conftest import shared_path

RULES = get_ruleset("config/sectors.toml")


def _hudoc_item(row: dict) -> dict:
    """The fields feeds/hudoc.py keeps for an ECHR judgment (meta columns, kpthesaurus as a list)."""
    meta = {c: row.get(c, "") for c in ("article", "violation", "nonviolation", "conclusion", "issue", "importance",
                                        "doctypebranch", "docname")}
    meta["kpthesaurus"] = [k for k in row["kpthesaurus"].split(";") if k]
    return {"title": row["docname"], "text": row["conclusion"], "kind": "judgment", "body": "ECHR",
            "states": row["respondent"], "language": "en", "meta": meta, "key_case": row["importance"] == "1"}


def _sectors(item) -> list[str]:
    return [d.sector for d in tag(item, ruleset=RULES)]


def _item(text: str, **fields) -> dict:
    return {"title": "", "text": text, "meta": {}, **fields}


def test_it_tags_aune_v_norway_child_welfare_from_issue_and_keyword():
    path = shared_path("samples", "labelled", "hudoc_raw_metadata_sample1000.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    aune = next(r for r in rows if r["itemid"] == "001-101458")
    decisions = {d.sector: d for d in tag(_hudoc_item(aune), ruleset=RULES)}
    assert list(decisions) == ["child-welfare"]
    evidence = decisions["child-welfare"].evidence_json()
    issue = next(e for e in evidence if e["rule"] == "child-welfare.text.law")
    assert issue["field"] == "issue"
    start, end = issue["positions"][0]
    assert aune["issue"][start:end] == "Child Welfare Act"
    assert any(e["field"] == "kpthesaurus" and e["value"] == "425" for e in evidence)
    assert all(d.origin == "rule" for d in decisions.values())


def test_it_tags_real_hudoc_rows_without_inventing_municipal_sectors():
    path = shared_path("samples", "labelled", "hudoc_raw_metadata_sample1000.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:300]]
    tagged = [_sectors(_hudoc_item(r)) for r in rows]
    # Mostly 2010 length-of-proceedings and detention cases: few carry a municipal sector.
    municipal = [s for s in tagged if set(s) - {"justice-detention"}]
    assert len(municipal) < len(rows) * 0.3


@pytest.mark.parametrize("text, sector", [
    ("Fylkesnemnda vedtok omsorgsovertakelsen etter barnevernloven.", "child-welfare"),
    ("Barna ble plassert i beredskapshjemmet og senere i fosterhjem.", "child-welfare"),
    ("Tilsynet gjaldt barnevernsinstitusjonene i regionen.", "child-welfare"),
    ("Kommunen gjorde vedtak om omsorgsovertaking, og barnet flytta til fosterheimen.", "child-welfare"),
    ("Socialnämnden beslutade om omhändertagande enligt LVU.", "child-welfare"),
    ("The child was placed in foster care after a care order.", "child-welfare"),
    ("Elevane i ungdomsskulen fekk spesialundervisning.", "education"),
    ("Grunnskolen og barnehagene i kommunen", "education"),
    ("Beboere på sykehjemmet fikk ikke tilsyn om natten.", "elderly-care"),
    ("Tilsynet på sjukeheimane avdekte manglar.", "elderly-care"),
    ("Personal i äldreboendet saknade utbildning i demensvård.", "elderly-care"),
])
def test_it_matches_compounds_and_inflections(text, sector):
    assert sector in _sectors(_item(text))


def test_it_reports_positions_of_inflected_words_in_the_original_text():
    text = "Fylkesnemnda vedtok OMSORGSOVERTAKELSEN i går."
    decision = next(d for d in tag(_item(text), ruleset=RULES) if d.sector == "child-welfare")
    match = decision.evidence[0].matches[0]
    assert text[match.start:match.end] == "OMSORGSOVERTAKELSEN"


def test_it_does_not_read_rom_as_roma_without_a_group_context():
    assert "minorities-sami" not in _sectors(_item("Skolen mangler et rom for stillearbeid, og det er rom for forbedring."))
    assert "minorities-sami" in _sectors(_item("Rom og tatere er nasjonale minoriteter i Norge."))


def test_it_does_not_read_eleven_or_room_words_as_school_or_minority():
    assert _sectors(_item("A dispute over an inheritance lasted eleven years.")) == []


def test_negative_rules_pull_a_sector_down():
    # The Art. 8 family-life keyword alone means child welfare; with the expulsion keyword it does not.
    family = {"kpthesaurus": ["451", "425"]}
    assert "child-welfare" in _sectors(_item("", meta=family))
    assert "child-welfare" not in _sectors(_item("", meta={"kpthesaurus": ["451", "425", "628"]}))


def test_the_body_prior_never_decides_alone():
    assert _sectors(_item("The Committee welcomes the State party's report.", body="CEDAW")) == []


def test_general_measures_give_governance_only_through_the_municipal_gate():
    themes = {"themes": ["National Human Rights Institution (NHRI)"]}
    assert "governance" not in _sectors(_item("Ensure the NHRI is independent.", meta=themes))
    assert "governance" in _sectors(_item("Ensure that municipalities receive guidance from the NHRI.", meta=themes))


def test_evidence_serialises_to_json():
    decisions = tag(_item("Barnevernet fattet akuttvedtak.", meta={"themes": ["Right to education"]}), ruleset=RULES)
    payload = json.loads(json.dumps([d.evidence_json() for d in decisions]))
    assert payload and all(e["rule"] and "weight" in e for ev in payload for e in ev)
