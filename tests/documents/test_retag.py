"""tag_changed: items whose document text arrived are re-tagged once, with "document.<part>" evidence."""

from __future__ import annotations

from sqlalchemy import select

from relay.db import transaction
from relay.documents.fetch import fetch_due
from relay.documents.retag import _claim, stale_item_ids, tag_changed
from relay.models import Document, Item, Tag
from tests.documents.support import SYMBOL, concluding_observations
from tests.factories import make_item


def test_the_document_and_the_recommendations_cut_from_it_are_tagged(engine, ohchr, http):
    item_id = concluding_observations(engine, ohchr)
    report = fetch_due(engine=engine, http=http)
    assert report.outcomes == {"extracted": 1} and len(report.new_item_ids) == 3
    with transaction(engine) as session:
        assert sorted(stale_item_ids(session)) == sorted([item_id, *report.new_item_ids])
    assert tag_changed(engine) == 4
    with transaction(engine) as session:
        tags = {t.sector: t for t in session.scalars(select(Tag).where(Tag.item_id == item_id))}
        fields = {e["field"] for e in tags["child-welfare"].evidence if e["kind"] == "text"}
        assert "document.para.27" in fields  # the paragraph the governor can open and approve on its own
        para = session.scalars(select(Item).where(Item.key == f"{SYMBOL}#para27")).one()
        assert para.tagged_at is not None
        para_tags = session.scalars(select(Tag.sector).where(Tag.item_id == para.id)).all()
        assert "child-welfare" in para_tags
        assert stale_item_ids(session) == []


def test_an_item_another_run_claimed_is_not_tagged_twice(engine, ohchr, http):
    item_id = concluding_observations(engine, ohchr)
    fetch_due(engine=engine, http=http)
    with transaction(engine) as session:
        assert _claim(session, item_id) is True  # an overlapping run got there first
        assert _claim(session, item_id) is False
    assert tag_changed(engine) == 3  # the three recommendations only
    with transaction(engine) as session:
        assert session.scalars(select(Tag).where(Tag.item_id == item_id, Tag.origin == "rule")).all() == []


def test_an_item_whose_document_cannot_be_read_is_pushed_forward_not_retried_forever(engine):
    with transaction(engine) as session:
        broken = make_item(session, kind="concluding-observations", body="CRC")
        # A stored structure that lost its offsets (a bug or a hand edit): reading the passages fails.
        session.add(Document(item_id=broken.id, kind="body", url="https://x.test/", status="ok", text="27. text",
                             structure={"type": "concluding-observations", "recommendations": [{"n": "27"}]}))
        fine = make_item(session, text="The child welfare service issued a care order.")
        session.add(Document(item_id=fine.id, kind="body", url="https://x.test/", status="ok", text="Nothing.",
                             structure={"type": "report"}))
        broken_id, fine_id = broken.id, fine.id
    assert tag_changed(engine) == 1
    with transaction(engine) as session:
        assert session.get(Item, broken_id).tagged_at is not None
        assert session.scalars(select(Tag.sector).where(Tag.item_id == fine_id)).all() == ["child-welfare"]
    assert tag_changed(engine) == 0


def test_items_without_a_fetched_text_are_left_to_the_collector(engine):
    with transaction(engine) as session:
        untagged = make_item(session, text="The child welfare service issued a care order.")
        session.add(Document(item_id=untagged.id, kind="body", url="https://x.test/", status="pending"))
    assert tag_changed(engine) == 0
