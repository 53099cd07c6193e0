"""save_records stores a page exactly as save_record would one record at a time, in a fixed number of statements.

Every case stores the same record sequence twice, in one transaction that is rolled back each
time: once through save_record per record (the reference) and once through save_records in
batches, then compares items, aliases, recorded changes, links, id order and outcomes. A small
pool of keys makes records collide by key and alias, replace keys, repeat inside a batch, and
point at parents and primary versions stored in the same batch or an earlier one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, inspect, select

from feeds.records import Record
from relay.db import session_factory
from relay.models import Item, ItemAlias, ItemChange, Source
from relay.store.item_batch import save_records
from relay.store.items import save_record

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
POOL = ["k1", "k2", "k3", "k4"]  # keys and aliases drawn from one pool, so they collide

records = st.builds(
    Record,
    key=st.sampled_from(POOL),
    kind=st.sampled_from(["judgment", "news"]),
    title=st.sampled_from(["A v. Norway", "A v. Norway (corrected)"]),
    date=st.sampled_from([None, date(2024, 5, 2)]),
    language=st.sampled_from([None, "en", "fr", "nb", "nn"]),
    aliases=st.lists(st.sampled_from(POOL), max_size=3).map(tuple),
    group_key=st.sampled_from([None, "g1", "g2"]),
    parent_key=st.sampled_from([None, *POOL]),
    key_case=st.booleans(),
    meta=st.sampled_from([{}, {"article": "8"}, {"themes": ["children"]}]),
    warnings=st.sampled_from([(), ("bad date",)]),
)
# A sequence stored beforehand (committed state the page finds), then the sequence under test, cut into
# batches; fresh says whether each batch starts from the database rather than the session's objects.
scenario = st.tuples(
    st.lists(records, max_size=6),
    st.lists(st.tuples(st.lists(records, min_size=1, max_size=6), st.booleans()), min_size=1, max_size=4),
)


def _store(engine, before: list[Record], batches: list[tuple[list[Record], bool]], *, batched: bool) -> dict:
    """Store the sequence, snapshot the tables, roll back: the database is left as it was."""
    session = session_factory(engine)()
    try:
        sources = [Source(key="src-a", kind="rss", name="a"), Source(key="src-b", kind="rss", name="b")]
        session.add_all(sources)
        session.flush()
        for record in before:
            save_record(session=session, record=record, source_id=sources[0].id, now=T0)
        session.flush()
        outcomes = []
        for number, (page, fresh) in enumerate(batches, start=1):
            if fresh:
                session.flush()
                session.expunge_all()  # the next page is a new transaction in relay.collect: rows come from the database
            now, source_id = T0 + timedelta(hours=number), sources[number % 2].id
            if batched:
                saved = save_records(session=session, records=page, source_id=source_id, now=now).saved
            else:
                saved = [save_record(session=session, record=r, source_id=source_id, now=now) for r in page]
            outcomes += [(item.id, outcome) for item, outcome in saved]
        session.flush()
        return _snapshot(session, outcomes)
    finally:
        session.rollback()
        session.close()


def _snapshot(session, outcomes: list[tuple[int, str]]) -> dict:
    """The stored state with ids replaced by keys (PostgreSQL sequences differ between the two runs)."""
    session.expunge_all()
    items = list(session.scalars(select(Item).order_by(Item.id)))
    key = {item.id: item.key for item in items} | {None: None}
    source = {s.id: s.key for s in session.scalars(select(Source))} | {None: None}
    columns = [c.name for c in Item.__table__.columns if c.name not in ("id", "source_id", "primary_item_id",
                                                                        "parent_item_id")]
    return {
        "items in id order": [
            {**{c: getattr(item, c) for c in columns}, "source": source[item.source_id],
             "primary": key[item.primary_item_id], "parent": key[item.parent_item_id]} for item in items],
        "aliases": sorted((a.alias, key[a.item_id]) for a in session.scalars(select(ItemAlias))),
        "changes in id order": [(key[c.item_id], source[c.source_id], c.changed_at, c.changes)
                                for c in session.scalars(select(ItemChange).order_by(ItemChange.id))],
        "outcomes": [(key[item_id], outcome) for item_id, outcome in outcomes],
    }


def _assert_same(engine, before, batches) -> None:
    one_by_one = _store(engine, before, batches, batched=False)
    batched = _store(engine, before, batches, batched=True)
    for part in one_by_one:
        assert batched[part] == one_by_one[part], part


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario)
def test_batches_store_what_record_by_record_stores(engine, case):
    before, batches = case
    _assert_same(engine, before, batches)


def _rss(**fields) -> Record:
    return Record(**{"key": "hudoc:001-1", "kind": "judgment", "title": "CASE OF A v. NORWAY", **fields})


def _json(**fields) -> Record:
    return Record(**{"key": "ECLI:X:ENG", "kind": "judgment", "title": "CASE OF A v. NORWAY", "language": "en",
                     "aliases": ("hudoc:001-1",), "group_key": "ECLI:X", "meta": {"article": "8"}, **fields})


CASES = {
    "rss then json in one page: the alias becomes the key": ([], [([_rss(), _json()], False)]),
    "rss stored, json later: the key is replaced in a later page": ([_rss()], [([_json(), _rss()], True)]),
    "a record repeated in one page with a change": ([], [([_json(), _json(title="corrected"), _json()], False)]),
    "a translation before and after its original in one page": ([], [([
        _json(key="ECLI:X:NOR", language="nb", aliases=("hudoc:001-9",)), _json(),
        _json(key="ECLI:X:NOR", language="nb", aliases=("hudoc:001-9",), title="oversatt")], False)]),
    "a French original stored, the English one arrives with the translation": ([_json(key="ECLI:X:FRE", language="fr",
                                                                                       aliases=())], [([
        _json(key="ECLI:X:NOR", language="nb", aliases=()), _json()], True)]),
    "paragraphs before and after their document": ([], [([
        Record(key="CRC/C/NOR#para1", kind="recommendation", title="p1", parent_key="CRC/C/NOR"),
        Record(key="CRC/C/NOR", kind="concluding-observations", title="CO"),
        Record(key="CRC/C/NOR#para2", kind="recommendation", title="p2", parent_key="CRC/C/NOR"),
        Record(key="CRC/C/NOR#para1", kind="recommendation", title="p1 edited", parent_key="CRC/C/NOR")], False)]),
    "a paragraph keeps the first document it was linked to, even one not inserted yet": ([], [([
        Record(key="doc1", kind="report", title="one"), Record(key="doc2", kind="report", title="two"),
        Record(key="para", kind="recommendation", title="p", parent_key="doc1"),
        Record(key="para", kind="recommendation", title="p edited", parent_key="doc2")], False)]),
    "a translation points at the oldest English version, not the first key": ([
        Record(key="b", kind="judgment", title="B", language="en", group_key="g"),
        Record(key="a", kind="judgment", title="A", language="en", group_key="g")], [([
            Record(key="a", kind="judgment", title="A", language="en", group_key="g"),
            Record(key="b", kind="judgment", title="B", language="en", group_key="g"),
            Record(key="t", kind="judgment", title="T", language="nb", group_key="g")], True)]),
    "a record without a group keeps its item's group, whose English version is not in the page": ([
        Record(key="t", kind="judgment", title="T", language="en", group_key="g"),
        Record(key="e", kind="judgment", title="E", language="en", group_key="g")], [([
            Record(key="t", kind="judgment", title="T (nb)", language="nb")], True)]),
    "two keys swapped through aliases across items": ([Record(key="a", kind="news", title="A"),
                                                      Record(key="b", kind="news", title="B")], [([
        Record(key="c", kind="news", title="A2", aliases=("a",)),
        Record(key="a", kind="news", title="B2", aliases=("b",)),
        Record(key="d", kind="news", title="A3", aliases=("c",))], True)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_known_cases_store_the_same_either_way(engine, name):
    before, batches = CASES[name]
    _assert_same(engine, before, batches)


def _statements(engine, page: list[Record]) -> int:
    """Statements save_records sends for a page whose English items are stored (in draft) and whose translations are new."""
    count = 0

    def counted(*_args):
        nonlocal count
        count += 1

    session = session_factory(engine)()
    try:
        drafts = [replace(r, title=f"{r.title} (draft)") for r in page if r.language == "en"]
        save_records(session=session, records=drafts, source_id=None, now=T0)
        session.flush()
        session.expunge_all()
        event.listen(engine, "before_cursor_execute", counted)
        try:
            save_records(session=session, records=page, source_id=None, now=T0 + timedelta(hours=1))
        finally:
            event.remove(engine, "before_cursor_execute", counted)
        return count
    finally:
        session.rollback()
        session.close()


def _page(size: int) -> list[Record]:
    """English versions and their Norwegian translations, each with an alias; a translation names its parent."""
    return [Record(key=f"ECLI:{n}:{lang}", kind="judgment", title=f"case {n}", language=lang.lower()[:2],
                   aliases=(f"hudoc:{n}-{lang}",), group_key=f"ECLI:{n}", parent_key=f"ECLI:{n}:EN" if lang == "NB"
                   else None)
            for n in range(size // 2) for lang in ("EN", "NB")]


def test_a_page_takes_the_same_number_of_statements_whatever_its_size(engine):
    small, large = _statements(engine, _page(10)), _statements(engine, _page(200))
    assert small == large
    assert large <= 12  # reads (aliases, items, groups), updates, inserts (items, aliases, changes), ids, links


def test_new_items_come_back_as_stored_items_that_can_still_be_changed(engine):
    """relay.collect tags the items of the report afterwards: they must be the session's own, loaded rows."""
    session = session_factory(engine)()
    try:
        page = _page(4)
        saved = save_records(session=session, records=page, source_id=None, now=T0).saved
        items = [item for item, _ in saved]
        assert [outcome for _, outcome in saved] == ["new"] * 4
        assert all(isinstance(item, Item) and inspect(item).persistent and item in session for item in items)
        assert [item.key for item in items] == [record.key for record in page]
        assert items[1].primary_item_id == items[0].id and items[1].parent_item_id == items[0].id
        assert items[0].relevant is True and items[0].tagged_at is None and items[0].first_seen_at == T0
        items[2].tagged_at = T0 + timedelta(minutes=5)
        session.flush()
        session.expunge_all()
        assert session.get(Item, items[2].id).tagged_at == T0 + timedelta(minutes=5)
    finally:
        session.rollback()
        session.close()


def test_a_new_item_row_names_every_column_apply_record_can_set():
    # A column added to Item and set by apply_record but missing here would be lost on new items only.
    from relay.store.item_batch import NEW_ITEM_COLUMNS

    left_to_defaults = {"id", "relevant", "tagged_at"}
    assert set(NEW_ITEM_COLUMNS) == {c.key for c in Item.__table__.columns} - left_to_defaults
