"""A HUDOC RSS Norwegian translation joins its case before the JSON API brings its ECLI.

The RSS feed carries no ECLI: an item has its itemid, a title ("CASE OF X v. NORWAY - [Norwegian
Translation] by …"), the application numbers and formation in the description ("37283/13 - Grand
Chamber Judgment") and the judgment date as pubDate (SOURCES.md section 3). So such a translation
has no group (ECLI) and would stay an entry of its own until the JSON record arrives. Here it is
attached to its case's entry when exactly one entry fits it:

- the same kind (judgment, decision) and the same judgment date, both dates plausible;
- the same application numbers when the RSS item lists any, else the same case name;
- an entry in another language that has no Norwegian version yet.

Anything less certain (no date, several fitting entries, numbers that differ) leaves the translation
as it is: two different cases are never joined. Linking works in both orders (the translation
first, its case later). The translation takes its entry's group (ECLI), so the JSON record merging
into it later changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay.models import Alert, Item, ItemChange
from relay.store.versions import NORWEGIAN

ECHR_KEYS = ("ECLI:CE:ECHR:", "hudoc:")
_TRANSLATION_SUFFIX = re.compile(r"\s+-\s+\[[^\]]*translation\][^\n]*$", re.I)


def link_rss_translations(session: Session, items: Iterable[Item], *, source_id: int | None,
                          now: datetime) -> list[tuple[Item, Item]]:
    """Attach untied Norwegian translations among or matching `items`; returns (translation, entry) pairs."""
    linked = []
    items = [i for i in items if _is_echr(i) and i.primary_item_id is None and i.date_plausible and i.date is not None]
    # Untied translations are few: one query tells whether any page item can have one to join.
    waiting = set(session.scalars(select(Item.date).distinct().where(
        Item.language.in_(NORWEGIAN), Item.group_key.is_(None), Item.primary_item_id.is_(None),
        Item.date.is_not(None), Item.key.startswith("hudoc:"))))
    for item in items:
        if _untied_translation(item):
            pairs = [(item, entry) for entry in [_only(_fitting(session, item, _entries_on(session, item)))] if entry]
        elif item.date in waiting:
            pairs = [(t, item) for t in _candidates_for(session, item)]
        else:
            continue
        for translation, entry in pairs:
            _attach(session, translation, entry, source_id=source_id, now=now)
            linked.append((translation, entry))
    return linked


def case_name(title: str | None) -> str:
    """The title without its "- [Norwegian Translation] by …" suffix, compared without case and spacing."""
    return " ".join(_TRANSLATION_SUFFIX.sub("", title or "").split()).casefold()


def _is_echr(item: Item) -> bool:
    return (item.key or "").startswith(ECHR_KEYS)


def _untied_translation(item: Item) -> bool:
    return item.language in NORWEGIAN and not item.group_key and item.primary_item_id is None


def _appnos(item: Item) -> frozenset[str]:
    values = (item.meta or {}).get("appno") or []
    return frozenset(str(v).strip() for v in values if str(v).strip()) if isinstance(values, list) else frozenset()


def _same_case(translation: Item, entry: Item) -> bool:
    if translation.kind != entry.kind or translation.date != entry.date or not entry.date_plausible:
        return False
    mine, theirs = _appnos(translation), _appnos(entry)
    if mine:
        return mine == theirs
    return bool(case_name(translation.title)) and case_name(translation.title) == case_name(entry.title)


def _entries_on(session: Session, translation: Item) -> list[Item]:
    """Entries in another language on the translation's date that have no Norwegian version yet."""
    rows = session.scalars(select(Item).where(Item.date == translation.date, Item.kind == translation.kind,
                                              Item.id != translation.id, Item.primary_item_id.is_(None))).all()
    return [r for r in rows if _is_echr(r) and r.language not in NORWEGIAN and not _has_norwegian(session, r)]


def _fitting(session: Session, translation: Item, entries: list[Item]) -> list[Item]:
    return [entry for entry in entries if _same_case(translation, entry)]


def _candidates_for(session: Session, entry: Item) -> list[Item]:
    """An entry that just arrived: the one untied translation that fits it, if it fits no other entry."""
    if entry.language in NORWEGIAN or _has_norwegian(session, entry):
        return []
    rows = session.scalars(select(Item).where(Item.date == entry.date, Item.kind == entry.kind,
                                              Item.id != entry.id, Item.primary_item_id.is_(None))).all()
    fitting = [r for r in rows if _is_echr(r) and _untied_translation(r) and _same_case(r, entry)
               and not session.scalars(select(Alert.id).where(Alert.item_id == r.id)).first()]
    if len(fitting) != 1:
        return []
    # The translation must fit this entry alone, or it is not certain which case it belongs to.
    return fitting if _fitting(session, fitting[0], _entries_on(session, fitting[0])) == [entry] else []


def _has_norwegian(session: Session, entry: Item) -> bool:
    return session.scalars(select(Item.id).where(Item.primary_item_id == entry.id,
                                                 Item.language.in_(NORWEGIAN))).first() is not None


def _only(entries: list[Item]) -> Item | None:
    return entries[0] if len(entries) == 1 else None


def _attach(session: Session, translation: Item, entry: Item, *, source_id: int | None, now: datetime) -> None:
    translation.primary_item_id = entry.id
    translation.group_key = entry.group_key or translation.group_key
    session.add(ItemChange(item_id=entry.id, source_id=source_id, changed_at=now,
                           changes={"version": [None, translation.language], "version_item": [None, translation.key],
                                    "linked_by": "application number or case name, and judgment date"}))
    session.flush()
