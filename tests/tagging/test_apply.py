"""Tags in the database: rule tags follow the rules, human tags survive every re-tag."""

from __future__ import annotations

from sqlalchemy import select

from relay.db import transaction
from relay.models import Tag
from relay.tagging.apply import retag, set_human_tag, tag_item
from relay.tagging.sectors import get_ruleset
from tests.factories import make_item

RULES = get_ruleset("config/sectors.toml")
CARE = "The child welfare service issued a care order and placed the boy in a foster home."


def _tags(session, item_id) -> dict[str, Tag]:
    return {t.sector: t for t in session.scalars(select(Tag).where(Tag.item_id == item_id))}


def test_it_tags_an_item_and_sets_relevance(engine):
    with transaction(engine) as session:
        item = make_item(session, text=CARE, states="NOR", relevant=False)
        change = tag_item(session=session, item=item, ruleset=RULES, profile="no")
        assert change.added == ["child-welfare"]
        assert item.relevant is True and item.tagged_at is not None
        tag = _tags(session, item.id)["child-welfare"]
        assert tag.origin == "rule" and tag.evidence[0]["rule"].startswith("child-welfare.")


def test_human_tags_survive_retag(engine):
    with transaction(engine) as session:
        item = make_item(session, text=CARE + " The school was informed.", states="NOR")
        tag_item(session=session, item=item, ruleset=RULES, profile="no")
        assert set(_tags(session, item.id)) == {"child-welfare", "education"}
        set_human_tag(session=session, item_id=item.id, sector="education", present=False, user_id=None)
        set_human_tag(session=session, item_id=item.id, sector="housing", present=True, user_id=None)
        item.text = "The child welfare service issued a care order."  # the rules no longer see the school
        report = retag(session=session, items=[item], ruleset=RULES)
        tags = _tags(session, item.id)
        assert tags["education"].origin == "human" and tags["education"].removed is True
        assert tags["housing"].origin == "human" and tags["housing"].removed is False
        assert report.changes[0].updated == ["child-welfare"] and not report.changes[0].removed

        item.text = CARE + " The school was informed."  # the rule would add education again: it must not
        retag(session=session, items=[item], ruleset=RULES)
        assert _tags(session, item.id)["education"].removed is True


def test_retag_removes_rule_tags_that_are_no_longer_produced(engine):
    with transaction(engine) as session:
        item = make_item(session, text=CARE, states="SWE")
        tag_item(session=session, item=item, ruleset=RULES, profile="no")
        item.text = "The Government met the social partners."
        report = retag(session=session, ruleset=RULES)
        assert report.items == 1 and report.changes[0].removed == ["child-welfare"]
        assert _tags(session, item.id) == {}
        assert item.relevant is False  # Sweden, in the Norwegian profile, and not a key case
