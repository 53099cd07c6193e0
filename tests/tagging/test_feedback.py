"""Governors' sector decisions become labels (who, when, which item), for training and for measurement."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from relay.cli.tag import tag as tag_group
from relay.curation import AlertDraft, approve_item
from relay.db import transaction
from relay.models import TagLabel
from relay.settings import get_settings
from relay.tagging.apply import set_human_tag, tag_item
from relay.tagging.feedback import decision_examples, decision_rows
from relay.tagging.sectors import get_ruleset
from relay.tagging.train import labelled
from tests import factories

RULES = get_ruleset("config/sectors.toml")
CARE = "The child welfare service issued a care order and placed the boy in a foster home."


def _decided(engine):
    """An item the rules tag child-welfare; a governor removes it, adds housing, then approves with education."""
    with transaction(engine) as s:
        office = factories.make_office(s)
        factories.make_municipality(s, office=office)
        governor = factories.make_user(s, office=office)
        item = factories.make_item(s, text=CARE, states="NOR")
        tag_item(session=s, item=item, ruleset=RULES, profile="no")
        set_human_tag(session=s, item_id=item.id, sector="child-welfare", present=False, user_id=governor.id)
        set_human_tag(session=s, item_id=item.id, sector="housing", present=True, user_id=governor.id)
        s.refresh(item)
        approve_item(session=s, item_id=item.id, office_id=office.id, actor=governor,
                     draft=AlertDraft(title_nb="Omsorg", sectors=["housing", "education"]))
        return item.id, governor.id


def test_every_decision_is_kept_with_who_and_when(engine):
    item_id, governor_id = _decided(engine)
    with transaction(engine) as s:
        rows = list(s.scalars(select(TagLabel).order_by(TagLabel.id)))
    assert [(r.sector, r.present, r.source) for r in rows] == [
        ("child-welfare", False, "queue"), ("housing", True, "queue"), ("education", True, "alert")]
    assert {r.item_id for r in rows} == {item_id} and {r.user_id for r in rows} == {governor_id}
    assert all(r.created_at is not None for r in rows)


def test_decisions_are_training_rows_that_know_only_what_was_decided(engine):
    item_id, _ = _decided(engine)
    rows = decision_rows(engine)
    assert len(rows) == 1 and rows[0].id == f"decision:{item_id}"
    assert rows[0].known == {"child-welfare": False, "housing": True, "education": True}
    assert rows[0].item["text"] == CARE


def test_eval_from_decisions_measures_the_tagger_against_what_governors_decided(engine):
    _decided(engine)
    examples = decision_examples(engine)
    assert [set(e.gold) for e in examples] == [{"housing", "education"}]


@pytest.fixture
def relay(settings, database_url, monkeypatch, engine):
    monkeypatch.setenv("RELAY_DATABASE_URL", database_url)
    monkeypatch.setenv("RELAY_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    group = click.Group()
    group.add_command(tag_group)
    yield lambda *args: CliRunner().invoke(group, ["tag", *args], catch_exceptions=False)
    get_settings.cache_clear()


def test_the_cli_measures_against_decisions(relay, engine):
    _decided(engine)
    result = relay("eval", "--from-decisions", "--mode", "rules", "--misses", "5")
    assert result.exit_code == 0, result.output
    assert "governors' decisions" in result.output and "1 items" in result.output
    # The rules still say child-welfare, which the governor removed; they miss housing and education.
    assert "predicted=['child-welfare']" in result.output
    assert "too few to judge" in result.output


def test_the_cli_refuses_a_dataset_and_decisions_together_or_neither(relay):
    assert relay("eval", "norway", "--from-decisions").exit_code == 2
    assert relay("eval").exit_code == 2


def test_train_includes_governors_decisions(relay, engine, tmp_path):
    from relay.tagging.model import load

    _decided(engine)
    out = tmp_path / "with-decisions.json.gz"
    result = relay("train", "norway", "--from-decisions", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "1 items with governors' decisions added" in result.output
    trained = load(out).info["trained_on"]
    assert trained["decision_items"] == 1 and trained["items"] == len(labelled(["norway"])) + 1
