"""Stored items: one per key, found again by alias, changes recorded rather than duplicated."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from sqlalchemy import func, select

from feeds.records import Record
from relay.db import transaction
from relay.models import Item, ItemAlias, ItemChange
from relay.store.items import TRACKED, content_hash, save_record

ECLI = "ECLI:CE:ECHR:2010:1028JUD005250207"


def _rss(**fields):
    values = {"key": "hudoc:001-101458", "kind": "judgment", "title": "CASE OF AUNE v. NORWAY", "body": "ECHR",
              "url": "https://hudoc.echr.coe.int/eng?i=001-101458", "date": date(2010, 10, 28), "states": ("NOR",)}
    values.update(fields)
    return Record(**values)


def _json(**fields):
    values = {"key": f"{ECLI}:ENG", "kind": "judgment", "title": "CASE OF AUNE v. NORWAY", "body": "ECHR",
              "url": "https://hudoc.echr.coe.int/eng?i=001-101458", "date": date(2010, 10, 28), "states": ("NOR",),
              "language": "en", "aliases": ("hudoc:001-101458",), "group_key": ECLI,
              "meta": {"article": "8;8-1", "issue": "Section 4-20 of the Child Welfare Act 1992"}}
    values.update(fields)
    return Record(**values)


def test_the_same_record_twice_is_one_item(engine):
    with transaction(engine) as session:
        _, first = save_record(session=session, record=_rss(), source_id=None)
        _, second = save_record(session=session, record=_rss(), source_id=None)
        assert (first, second) == ("new", "unchanged")
        assert session.scalar(select(func.count()).select_from(Item)) == 1


def test_an_item_seen_in_rss_and_then_in_json_is_one_item_with_the_richer_key(engine):
    with transaction(engine) as session:
        rss_item, _ = save_record(session=session, record=_rss(), source_id=None)
        json_item, outcome = save_record(session=session, record=_json(), source_id=None)
        assert json_item.id == rss_item.id and outcome == "updated"
        assert json_item.key == f"{ECLI}:ENG"
        assert json_item.meta["issue"].startswith("Section 4-20")
        aliases = set(session.scalars(select(ItemAlias.alias)))
        assert "hudoc:001-101458" in aliases
        # And the RSS record arriving again afterwards still finds it.
        again, _ = save_record(session=session, record=_rss(), source_id=None)
        assert again.id == rss_item.id


def test_a_changed_item_is_updated_and_the_change_recorded(engine):
    with transaction(engine) as session:
        save_record(session=session, record=_json(), source_id=None)
        item, outcome = save_record(session=session, record=_json(title="CASE OF AUNE v. NORWAY (corrected)"),
                                    source_id=None)
        assert outcome == "updated"
        change = session.scalars(select(ItemChange)).one()
        assert change.changes["title"] == ["CASE OF AUNE v. NORWAY", "CASE OF AUNE v. NORWAY (corrected)"]
        assert session.scalar(select(func.count()).select_from(Item)) == 1


def test_a_translation_is_linked_to_its_original_not_duplicated(engine):
    with transaction(engine) as session:
        original, _ = save_record(session=session, record=_json(), source_id=None)
        norwegian, _ = save_record(session=session, record=_json(
            key=f"{ECLI}:NOR", language="nb", aliases=("hudoc:001-999999",),
            title="CASE OF AUNE v. NORWAY - [Norwegian Translation] by the Norwegian Government Agent"), source_id=None)
        assert norwegian.id != original.id
        assert norwegian.primary_item_id == original.id


def test_the_content_hash_is_the_one_items_were_stored_with(engine):
    """Stored hashes must stay valid: a different hash would rewrite every item on its next collection."""
    record = _json(warnings=("bad date",), text="Violation of Article 8 – «barnevern»")
    payload = {name: getattr(record, name) for name in TRACKED} | {"states": "NOR", "meta": record.meta}
    expected = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    assert content_hash(record) == expected
    assert content_hash(_json(title="CASE OF AUNE v. NORWAY (corrected)")) != expected
