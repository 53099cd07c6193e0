"""The combination policy: rules keep their sectors, the model adds above its thresholds, the floor fills gaps."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from relay.db import transaction
from relay.models import Tag
from relay.settings import get_settings
from relay.tagging import model as sector_model
from relay.tagging.apply import retag, set_human_tag, tag_item
from relay.tagging.combine import tag_with_model
from relay.tagging.model import save
from relay.tagging.sectors import get_ruleset
from tests.factories import make_item
from tests.tagging.model_support import flood_model

RULES = get_ruleset("config/sectors.toml")
CARE = "The child welfare service issued a care order."


def _sectors(decisions) -> dict[str, str]:
    return {d.sector: d.origin for d in decisions}


def test_the_model_adds_a_sector_the_rules_missed_with_its_words_as_evidence():
    item = {"title": "", "text": CARE + " Then the floods came."}
    decisions = tag_with_model(item, ruleset=RULES, model=flood_model())
    assert _sectors(decisions) == {"child-welfare": "rule", "planning-environment": "model"}
    added = next(d for d in decisions if d.origin == "model")
    assert added.score > 0.9
    entry = added.evidence_json()[0]
    assert entry["rule"] == "model" and entry["kind"] == "model" and entry["field"] == "text"
    start, end = entry["positions"][0]
    assert item["text"][start:end] == "floods" and entry["words"][0] == "floods"


def test_below_its_threshold_the_model_adds_nothing_and_it_never_removes_a_rule_sector():
    item = {"title": "", "text": CARE + " A river."}  # river alone: 0.018
    assert _sectors(tag_with_model(item, ruleset=RULES, model=flood_model())) == {"child-welfare": "rule"}
    strict = flood_model(threshold=0.9999)  # "floods" alone: 0.9991
    assert _sectors(tag_with_model({"text": "floods"}, ruleset=RULES, model=strict)) == {}


def test_the_floor_gives_an_untagged_item_its_best_sector_and_only_then():
    lenient = flood_model(threshold=0.9999, floor=0.5)
    long_enough = "Many floods hit the valley last spring and summer this year"
    assert _sectors(tag_with_model({"text": long_enough}, ruleset=RULES, model=lenient)) == {
        "planning-environment": "model"}
    assert _sectors(tag_with_model({"text": CARE + " floods"}, ruleset=RULES, model=lenient)) == {
        "child-welfare": "rule"}
    nothing = "The meeting of the committee was held in the spring"
    assert _sectors(tag_with_model({"text": nothing}, ruleset=RULES, model=lenient)) == {}  # 0.007 < floor


def test_a_bare_title_gets_no_guess_from_the_floor():
    lenient = flood_model(threshold=0.9999, floor=0.5)
    assert _sectors(tag_with_model({"title": "Floods: CASE OF M.H. AND OTHERS", "text": ""}, ruleset=RULES,
                                   model=lenient)) == {}  # seven words: below FLOOR_WORDS


def test_the_three_taggers_eval_compares():
    item = {"text": CARE + " Then the floods came."}
    model = flood_model()
    assert _sectors(tag_with_model(item, ruleset=RULES, model=model, mode="rules")) == {"child-welfare": "rule"}
    assert _sectors(tag_with_model(item, ruleset=RULES, model=model, mode="model")) == {
        "planning-environment": "model"}
    assert _sectors(tag_with_model(item, ruleset=RULES, model=None)) == {"child-welfare": "rule"}
    with pytest.raises(ValueError, match="needs a trained model"):
        tag_with_model(item, ruleset=RULES, model=None, mode="model")


def test_document_passages_are_read_and_the_paragraph_is_the_evidence():
    item = {"title": "CASE OF X v. NORWAY", "text": "Judgment."}
    passages = [("document.para.27", "The applicants' houses were destroyed by floods.")]
    decisions = tag_with_model(item, ruleset=RULES, model=flood_model(), passages=passages)
    planning = next(d for d in decisions if d.sector == "planning-environment")
    entry = planning.evidence_json()[0]
    assert entry["field"] == "document.para.27"
    start, end = entry["positions"][0]
    assert passages[0][1][start:end] == "floods"


@pytest.fixture
def model_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json.gz"
    save(flood_model(), path)
    monkeypatch.setenv("RELAY_SECTOR_MODEL_FILE", str(path))
    get_settings.cache_clear()
    sector_model._cached.cache_clear()
    yield path
    get_settings.cache_clear()
    sector_model._cached.cache_clear()


def _tags(session, item_id) -> dict[str, Tag]:
    return {t.sector: t for t in session.scalars(select(Tag).where(Tag.item_id == item_id))}


def test_stored_tags_follow_the_model_and_a_governor_beats_it(engine, model_file):
    with transaction(engine) as session:
        item = make_item(session, text=CARE + " The floods came.", states="NOR")
        change = tag_item(session=session, item=item, ruleset=RULES, profile="no")
        assert sorted(change.added) == ["child-welfare", "planning-environment"]
        tags = _tags(session, item.id)
        assert tags["planning-environment"].origin == "model" and tags["child-welfare"].origin == "rule"
        assert tags["planning-environment"].evidence[0]["words"][0] == "floods"

        set_human_tag(session=session, item_id=item.id, sector="planning-environment", present=False, user_id=None)
        retag(session=session, items=[item], ruleset=RULES)
        assert _tags(session, item.id)["planning-environment"].removed is True  # the model does not bring it back

        other = make_item(session, text="The floods came.", states="NOR")
        tag_item(session=session, item=other, ruleset=RULES, profile="no")
        assert _tags(session, other.id)["planning-environment"].origin == "model"
        model_file.unlink()  # the model goes: its tags go at the next re-tag, the rules' stay
        report = retag(session=session, items=[other], ruleset=RULES)
        assert report.changes[0].removed == ["planning-environment"] and _tags(session, other.id) == {}
