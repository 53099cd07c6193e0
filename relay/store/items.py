"""Store collected records as items: deduplicated by key and alias, changes recorded, never duplicated.

save_record stores one record and is the reference; relay.store.item_batch.save_records stores a
page of them with the same result in a fixed number of statements (what relay.collect uses).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from feeds.records import Record
from relay.models import Item, ItemAlias, ItemChange, utcnow
from relay.store.merge import DEFAULT_RANK, RANKS_KEY, initial_ranks, merge_record
from relay.store.versions import lead_of

# Fields compared to decide whether a re-collected record changed the item.
TRACKED = ("kind", "title", "url", "date", "date_raw", "body", "states", "language", "text", "key_case")


# json.dumps(payload, sort_keys=True, default=str), without building an encoder per call: the same bytes,
# so hashes stored before stay valid.
_HASH_JSON = json.JSONEncoder(sort_keys=True, default=str)


def content_hash(record: Record) -> str:
    payload = {name: getattr(record, name) for name in TRACKED}
    payload["states"] = _column_value(record, "states")
    payload["meta"] = record.meta
    return hashlib.sha256(_HASH_JSON.encode(payload).encode()).hexdigest()


def _column_value(record: Record, name: str):
    if name == "states":
        return ";".join(record.states)
    return getattr(record, name)


# Key schemes whose ids are identities: two different ids are two items even when an alias (UHRI's
# "symbol-para:<symbol>#<n>") is shared; the alias stays with the item that had it first.
IDENTITY_SCHEMES = ("uhri:",)


def distinct_identities(found_key: str, record_key: str) -> bool:
    return found_key != record_key and any(found_key.startswith(s) and record_key.startswith(s)
                                           for s in IDENTITY_SCHEMES)


def find_item(*, session: Session, keys: list[str]) -> Item | None:
    """The item known by any of these keys, as its own key or as an alias.

    Keys before aliases, and within each the keys in the order given (a record's own key first):
    when two items match, which one wins is decided here, not by the database's row order.
    """
    by_key = {item.key: item for item in session.scalars(select(Item).where(Item.key.in_(keys)))}
    found = next((by_key[k] for k in keys if k in by_key), None)
    if found is not None:
        return found
    owners = dict(session.execute(select(ItemAlias.alias, ItemAlias.item_id).where(ItemAlias.alias.in_(keys))).all())
    return next((session.get(Item, owners[k]) for k in keys if k in owners), None)


def save_record(*, session: Session, record: Record, source_id: int | None, now: datetime | None = None,
                rank: int = DEFAULT_RANK) -> tuple[Item, str]:
    """Insert or update one record. Returns the item and "new" | "updated" | "unchanged".

    rank: the source's precedence (relay.store.merge): an update keeps, field by field, the
    values of better sources and every non-empty value.
    """
    now = now or utcnow()
    digest = content_hash(record)
    item = find_item(session=session, keys=[record.key, *record.aliases])
    if item is not None and distinct_identities(item.key, record.key):
        item = None
    if item is None:
        item = Item(key=record.key, source_id=source_id, first_seen_at=now, updated_at=now, content_hash=digest)
        apply_record(item, record, rank=rank)
        session.add(item)
        session.flush()
        _add_aliases(session, item, record)
        _link_family(session, item, record, source_id=source_id, now=now)
        return item, "new"
    _add_aliases(session, item, record)
    if item.content_hash == digest:
        return item, "unchanged"
    changes = {}
    if item.key != record.key and item.key in record.aliases:
        # The record names the item's key as its alias (an RSS-only HUDOC itemid): the richer key
        # (ECLI + language) becomes the item's key and the old one stays as an alias.
        old_key = item.key
        changes["key"] = [old_key, record.key]
        item.key = record.key
        session.flush()
        _ensure_alias(session, item, old_key)
        _add_aliases(session, item, record)
    changes |= merge_record(item, record, rank)
    item.content_hash = digest
    item.updated_at = now
    if changes:
        session.add(ItemChange(item_id=item.id, source_id=source_id, changed_at=now, changes=changes))
    _link_family(session, item, record, source_id=source_id, now=now)
    return item, "updated" if changes else "unchanged"


def changed_fields(item: Item, record: Record) -> dict[str, list]:
    """The tracked fields the record changes on the item: name -> [before, after], JSON-ready."""
    changes = {}
    for name in TRACKED:
        before, after = getattr(item, name), _column_value(record, name)
        if before != after:
            changes[name] = [_jsonable(before), _jsonable(after)]
    return changes


def apply_record(item: Item, record: Record, *, rank: int = DEFAULT_RANK) -> None:
    """A new item's fields, all from its first record (updates go through merge_record)."""
    item.kind = record.kind
    item.title = record.title
    item.url = record.url
    item.date = record.date
    item.date_raw = record.date_raw
    item.date_plausible = record.date_plausible
    item.body = record.body
    item.states = ";".join(record.states)
    item.language = record.language
    item.text = record.text
    item.group_key = record.group_key or item.group_key
    item.key_case = record.key_case
    meta = dict(record.meta)
    if record.warnings:
        meta["warnings"] = list(record.warnings)
    meta[RANKS_KEY] = initial_ranks(record, rank)
    item.meta = meta


def _add_aliases(session: Session, item: Item, record: Record) -> None:
    for alias in record.aliases:
        _ensure_alias(session, item, alias)


def _ensure_alias(session: Session, item: Item, alias: str) -> None:
    if alias != item.key and session.get(ItemAlias, alias) is None:
        session.add(ItemAlias(alias=alias, item_id=item.id))
        session.flush()


def _link_family(session: Session, item: Item, record: Record, *, source_id: int | None, now: datetime) -> None:
    """Paragraphs point at their document; another language version at its logical item (its lead)."""
    if record.parent_key and item.parent_item_id is None:
        parent = find_item(session=session, keys=[record.parent_key])
        if parent is not None:
            item.parent_item_id = parent.id
    if item.primary_item_id is None and item.group_key and item.language:
        candidates = session.scalars(
            select(Item).where(Item.group_key == item.group_key, Item.kind == item.kind, Item.id != item.id,
                               Item.primary_item_id.is_(None)).order_by(Item.id)).all()
        lead = lead_of(item, candidates)
        if lead is not None:
            item.primary_item_id = lead.id
            session.add(ItemChange(item_id=lead.id, source_id=source_id, changed_at=now,
                                   changes={"version": [None, item.language], "version_item": [None, item.key]}))


def _jsonable(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
