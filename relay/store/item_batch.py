"""Store a page of records at once: the same items, aliases, changes and links as save_record, record by record.

save_record asks the database for every record (find by key, then alias; insert; flush; alias;
siblings). Here the rows a page can touch are read first in a few IN queries, the page is
replayed against them in memory with save_record's rules (items.py: apply_record,
merge_record, is_version_of), and what changed is written with executemany. Items the page
creates are plain objects (_NewItem) until then, not ORM instances: building thousands of mapped
objects and attaching them one by one cost more than storing them. After the INSERT they are read
back as ordinary loaded Items, which is what the report holds. The number of statements per page
does not grow with its size (beyond one per LOOKUP_CHUNK keys). tests/test_store_batch.py checks
the result equals save_record's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import any_, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from feeds.records import Record
from relay.models import Item, ItemAlias, ItemChange, utcnow
from relay.store.items import apply_record, content_hash, distinct_identities
from relay.store.merge import DEFAULT_RANK, merge_record
from relay.store.versions import is_version_of

LOOKUP_CHUNK = 2000  # keys per IN list: far below SQLite's 32,766 and PostgreSQL's 65,535 parameters


@dataclass
class StoreReport:
    saved: list[tuple[Item, str]] = field(default_factory=list)  # per record, in order: item, new|updated|unchanged
    deferred: list[Record] = field(default_factory=list)  # new records past max_new: for the next run

    @property
    def new(self) -> list[int]:
        return [item.id for item, outcome in self.saved if outcome == "new"]

    @property
    def updated(self) -> list[int]:
        return [item.id for item, outcome in self.saved if outcome == "updated"]

    @property
    def unchanged(self) -> int:
        return sum(1 for _, outcome in self.saved if outcome == "unchanged")


def save_records(*, session: Session, records: Iterable[Record], source_id: int | None,
                 now: datetime | None = None, rank: int = DEFAULT_RANK, max_new: int | None = None) -> StoreReport:
    """Insert or update the records as save_record would one after another, in a constant number of statements.

    max_new: at most this many new items; later new records are left out (report.deferred) so a
    run never stores 10,000 entries at once. Updates of known items are never deferred.
    """
    records = list(records)
    page = _Page(session, source_id, now or utcnow(), rank)
    page.load(records)
    saved, deferred = [], []
    for record in records:
        if max_new is not None and len(page.new_items) >= max_new and page.is_new(record):
            deferred.append(record)
            continue
        saved.append(page.save(record))
    page.write()
    return StoreReport(saved=[(page.stored(item), outcome) for item, outcome in saved], deferred=deferred)


class _NewItem:
    """An item the page creates, as plain attributes: what apply_record, merge_record and the
    page's rules read and write, without the ORM's per-attribute bookkeeping. write() inserts it."""

    id = None  # no row yet

    def __init__(self, *, key: str, source_id: int | None, now: datetime, content_hash: str):
        self.key, self.source_id, self.content_hash = key, source_id, content_hash
        self.first_seen_at = self.updated_at = now
        self.group_key = self.primary_item_id = self.parent_item_id = None
        self.meta: dict | None = None

    def row(self) -> dict:
        return {name: getattr(self, name) for name in NEW_ITEM_COLUMNS}


# What a _NewItem holds once apply_record has run; the INSERT fills every other column with its
# model default (relevant, tagged_at), as the ORM would.
NEW_ITEM_COLUMNS = ("key", "source_id", "kind", "title", "url", "date", "date_raw", "date_plausible", "body",
                    "states", "language", "text", "group_key", "key_case", "meta", "content_hash", "first_seen_at",
                    "updated_at", "primary_item_id", "parent_item_id")


class _Page:
    """The items, aliases and groups one page can touch, held in memory while its records are replayed."""

    def __init__(self, session: Session, source_id: int | None, now: datetime, rank: int = DEFAULT_RANK):
        self.session, self.source_id, self.now, self.rank_of_source = session, source_id, now, rank
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.by_key: dict[str, Item] = {}
        self.alias_owner: dict[str, Item] = {}
        self.groups: dict[str, list[Item]] = defaultdict(list)
        self.rank: dict[Item, tuple[int, int]] = {}  # the database's id order; new items after stored ones
        self.new_items: list[_NewItem] = []
        self.inserted: dict[_NewItem, Item] = {}  # each new item and the Item loaded once it is stored
        self.new_aliases: list[tuple[str, Item]] = []
        self.changes: list[tuple[Item, dict]] = []
        self.rekeys: list[tuple[int, str]] = []  # stored items' key replacements, in the order they happened
        self.links: dict[tuple[Item, str], Item] = {}  # parent/primary links to items not inserted yet

    # Reading: every row a record may look at, before anything changes.

    def load(self, records: list[Record]) -> None:
        keys = sorted({k for r in records for k in (r.key, *r.aliases, r.parent_key) if k})
        owners: dict[str, int] = {}
        for chunk in _chunks(keys):
            owners |= dict(self.session.execute(
                select(ItemAlias.alias, ItemAlias.item_id).where(self._among(ItemAlias.alias, chunk))).all())
            self._know(self.session.scalars(select(Item).where(self._among(Item.key, chunk))))
        # Separate queries rather than key IN … OR id IN (subquery), which PostgreSQL answers with a scan.
        known = {item.id for item in self.rank}
        for chunk in _chunks(sorted(set(owners.values()) - known)):
            self._know(self.session.scalars(select(Item).where(self._among(Item.id, chunk))))
        by_id = {item.id: item for item in self.rank}
        self.alias_owner = {alias: by_id[item_id] for alias, item_id in owners.items()}
        groups = sorted(self._groups_to_read(records))
        for chunk in _chunks(groups):
            self._know(self.session.scalars(
                select(Item).where(self._among(Item.group_key, chunk), Item.primary_item_id.is_(None))))

    def _among(self, column, values: list):
        """column IN values. On PostgreSQL one array parameter (= ANY): a list of thousands of
        parameters costs more to render and for psycopg to rewrite than the query takes to run."""
        if self.postgres:
            return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
        return column.in_(values)

    def _groups_to_read(self, records: list[Record]) -> set[str]:
        """Groups a language version in this page may look for its entry (lead) in.

        Every record's group: a record without a language may still carry one from its stored item.
        """
        groups = {r.group_key for r in records if r.group_key}
        if any(not r.group_key for r in records):
            # Such a record keeps its item's group, which an earlier record in the page may have set.
            groups |= {item.group_key for item in self.rank if item.group_key}
        return groups

    def _know(self, items: Iterable[Item]) -> None:
        for item in items:
            if item not in self.rank:
                self.rank[item] = (0, item.id)
                self.by_key[item.key] = item
                if item.group_key:
                    self.groups[item.group_key].append(item)

    # Replaying save_record (relay/store/items.py) step by step, in memory.

    def is_new(self, record: Record) -> bool:
        return self._owner(record) is None

    def _owner(self, record: Record) -> Item | None:
        item = self._find([record.key, *record.aliases])
        return None if item is not None and distinct_identities(item.key, record.key) else item

    def save(self, record: Record) -> tuple[Item, str]:
        digest = content_hash(record)
        item = self._owner(record)
        if item is None:
            item = _NewItem(key=record.key, source_id=self.source_id, now=self.now, content_hash=digest)
            apply_record(item, record, rank=self.rank_of_source)
            self._add_new(item)
            self._add_aliases(item, record)
            self._link_family(item, record)
            return item, "new"
        self._add_aliases(item, record)
        if item.content_hash == digest:
            return item, "unchanged"
        changes = {}
        if item.key != record.key and item.key in record.aliases:
            old_key = item.key
            changes["key"] = [old_key, record.key]
            self._rekey(item, record.key)
            self._ensure_alias(item, old_key)
            self._add_aliases(item, record)
        group = item.group_key
        changes |= merge_record(item, record, self.rank_of_source)
        if item.group_key != group:
            self._regroup(item, group)
        item.content_hash = digest
        item.updated_at = self.now
        if changes:
            self.changes.append((item, changes))
        self._link_family(item, record)
        return item, "updated" if changes else "unchanged"

    def _find(self, keys: list[str]) -> Item | None:
        """find_item's order: keys before aliases, the given order within each."""
        found = next((self.by_key[k] for k in keys if k in self.by_key), None)
        return found or next((self.alias_owner[k] for k in keys if k in self.alias_owner), None)

    def _add_new(self, item: _NewItem) -> None:
        self.new_items.append(item)
        self.rank[item] = (1, len(self.new_items))
        self.by_key[item.key] = item
        if item.group_key:
            self.groups[item.group_key].append(item)

    def _rekey(self, item: Item, key: str) -> None:
        del self.by_key[item.key]
        self.by_key[key] = item
        if item.id is None:
            item.key = key  # not inserted yet: it is inserted with its last key
        else:
            # Written in order before the flush (write()): replaying the replacements one by one keeps
            # the unique key constraint satisfied at every step, as it was for save_record.
            self.rekeys.append((item.id, key))
            set_committed_value(item, "key", key)

    def _regroup(self, item: Item, old: str | None) -> None:
        if old:
            self.groups[old].remove(item)
        self.groups[item.group_key].append(item)

    def _add_aliases(self, item: Item, record: Record) -> None:
        for alias in record.aliases:
            self._ensure_alias(item, alias)

    def _ensure_alias(self, item: Item, alias: str) -> None:
        if alias != item.key and alias not in self.alias_owner:
            self.alias_owner[alias] = item
            self.new_aliases.append((alias, item))

    def _link_family(self, item: Item, record: Record) -> None:
        if record.parent_key and item.parent_item_id is None and (item, "parent_item_id") not in self.links:
            parent = self._find([record.parent_key])
            if parent is not None:
                self._link(item, "parent_item_id", parent)
        if item.group_key and item.language and not self._attached(item):
            leads = sorted((s for s in self.groups[item.group_key] if not self._attached(s) and is_version_of(item, s)),
                           key=self.rank.__getitem__)
            if leads:
                self._link(item, "primary_item_id", leads[0])
                self.changes.append((leads[0], {"version": [None, item.language], "version_item": [None, item.key]}))

    def _attached(self, item) -> bool:
        """Whether the item already points at an entry (stored, or linked earlier in this page)."""
        return item.primary_item_id is not None or (item, "primary_item_id") in self.links

    def _link(self, item: Item, column: str, target: Item) -> None:
        self.links.pop((item, column), None)
        if target.id is not None:
            setattr(item, column, target.id)
        else:
            self.links[(item, column)] = target  # its id exists once the page's new items are inserted

    # Writing: key replacements in order, updates, new items in one multi-row INSERT, then aliases and changes.

    def write(self) -> None:
        if self.rekeys:
            # Replayed one by one, in order, before anything else: the unique key constraint then holds at
            # every step, as it did for save_record.
            statement = update(Item.__table__).where(Item.__table__.c.id == bindparam("item_id"))
            self.session.connection().execute(statement.values(key=bindparam("new_key")),
                                              [{"item_id": i, "new_key": k} for i, k in self.rekeys])
        self.session.flush()  # the stored items' changed fields: one executemany per set of changed columns
        self._insert_new_items()
        for (item, column), target in self.links.items():
            setattr(self.stored(item), column, self.stored(target).id)
        if self.new_aliases:
            self.session.execute(insert(ItemAlias.__table__), [
                {"alias": alias, "item_id": self.stored(item).id} for alias, item in self.new_aliases])
        if self.changes:
            self.session.execute(insert(ItemChange.__table__), [
                {"item_id": self.stored(item).id, "source_id": self.source_id, "changed_at": self.now,
                 "changes": changes} for item, changes in self.changes])
        self.session.flush()

    def _insert_new_items(self) -> None:
        """One executemany INSERT, then the rows read back as Items by key (keys are unique).

        Not through the session's flush, nor INSERT … RETURNING: on SQLite the ORM inserts one row
        per statement when it needs ids back in order, and psycopg spends longer rewriting a
        thousand-row VALUES list than PostgreSQL spends storing it. The Items read back are ordinary
        loaded instances in the session, so tagging can change them afterwards.
        """
        if not self.new_items:
            return
        self.session.execute(insert(Item.__table__), [item.row() for item in self.new_items])
        loaded: dict[str, Item] = {}
        for chunk in _chunks([item.key for item in self.new_items]):
            loaded |= {item.key: item for item in self.session.scalars(select(Item).where(self._among(Item.key, chunk)))}
        self.inserted = {item: loaded[item.key] for item in self.new_items}

    def stored(self, item: Item | _NewItem) -> Item:
        """The Item for what the page replayed: a stored item itself, a new one as loaded after its INSERT."""
        return self.inserted[item] if isinstance(item, _NewItem) else item


def _chunks(values: list) -> Iterable[list]:
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start:start + LOOKUP_CHUNK]
