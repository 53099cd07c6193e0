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


def test_a_page_tagged_at_once_gets_what_one_by_one_gives_with_one_document_query(engine):
    from sqlalchemy import event

    from relay.models import Document
    from relay.tagging.apply import tag_items

    texts = [CARE, "Pupils with disabilities lack accessible school buildings.", "Nothing municipal here.",
             "The municipality refused to provide adapted housing."]

    def page(session, prefix: str):
        items = [make_item(session, key=f"{prefix}{n}", text=text, states="NOR") for n, text in enumerate(texts)]
        # The third item's judgment text arrived: only its facts tell the tagger it is about care homes.
        session.add(Document(item_id=items[2].id, kind="body", url="-", status="ok", text="THE FACTS\n\n"
                             "1. The applicant lived in a municipal nursing home for the elderly.",
                             structure={"via": "hudoc"}))
        session.flush()
        return items

    with transaction(engine) as session:
        one_by_one = page(session, "single-")
        for item in one_by_one:
            tag_item(session=session, item=item, ruleset=RULES, profile="no")
        batch = page(session, "batch-")
        statements: list[str] = []

        def seen(conn, cursor, statement, *rest):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", seen)
        try:
            changes = tag_items(session=session, items=batch, tags={}, ruleset=RULES, profile="no")
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        documents_read = [s for s in statements if "FROM document" in s]
        assert len(documents_read) == 1  # not one per item
        for single, batched, change in zip(one_by_one, batch, changes, strict=True):
            want = {s: (t.score, t.evidence) for s, t in _tags(session, single.id).items()}
            got = {s: (t.score, t.evidence) for s, t in _tags(session, batched.id).items()}
            assert got == want and sorted(change.added) == sorted(want)
            assert batched.relevant == single.relevant and batched.tagged_at is not None
        assert "elderly-care" in _tags(session, batch[2].id)  # from the document, so passages were read
