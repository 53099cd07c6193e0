"""Field-level merge of a re-collected record into its stored item, with source precedence.

The same item reaches Relay from several sources (a judgment from HUDOC's JSON API and from its
RSS feed). Replacing the row with whatever arrived last lost the richer data: an RSS title
("15379/16 - Grand Chamber Judgment") over the case name, a NULL language or date over a valid
one. Here each field keeps the value of the highest-ranked source that supplied it, a non-empty
value is never replaced by an empty one and a valid date never by none. Which rank supplied
each field is kept in item.meta["field_ranks"]; every change is recorded by the caller as an
ItemChange with its source.
"""

from __future__ import annotations

from feeds.records import TITLE_PLACEHOLDER, Record

# A query API's structured metadata outranks a feed's summary of it (SOURCES.md: the RSS item
# carries the application number and formation in its title, never the case name or language).
# UHRI ranks below the UN Digital Library: the document records it derives from its paragraphs (title:
# the bare symbol) fill gaps in the library's description of the same document, never replace it.
SOURCE_RANKS = {"hudoc": 3, "undl": 3, "uhri": 2, "hudoc-rss": 1, "rss": 1}
DEFAULT_RANK = 2
RANKS_KEY = "field_ranks"
# Merged one by one; date, date_raw and date_plausible travel together as "date".
FIELDS = ("kind", "title", "url", "date", "body", "states", "language", "text", "key_case")


def source_rank(kind: str | None) -> int:
    return SOURCE_RANKS.get(kind or "", DEFAULT_RANK)


def _record_value(record: Record, name: str):
    return ";".join(record.states) if name == "states" else getattr(record, name)


def _empty(value) -> bool:
    return value is None or value == "" or value is False


def merge_record(item, record: Record, rank: int) -> dict[str, list]:
    """Apply the record's fields that win over the stored ones; return name -> [before, after] of what changed."""
    stored = (item.meta or {}).get(RANKS_KEY)
    # An item stored before ranks were kept: its values count as a middle-ranked source's, so a feed
    # summary cannot overwrite them and a query API still can.
    ranks = dict(stored) if stored is not None else dict.fromkeys((*FIELDS, "meta"), DEFAULT_RANK)
    changes: dict[str, list] = {}
    # A stand-in title (an itemid for an empty docname) counts as no title: it never replaces a real
    # one, and any real title replaces it, whatever the ranks.
    stand_in, stored_stand_in = bool(record.meta.get(TITLE_PLACEHOLDER)), bool((item.meta or {}).get(TITLE_PLACEHOLDER))
    for name in FIELDS:
        before, after = getattr(item, name), _record_value(record, name)
        placeholder = name == "title" and stand_in and not _empty(before)
        if (_empty(after) and not _empty(before)) or (placeholder and not stored_stand_in):
            continue  # an empty value never replaces a real one
        if rank < ranks.get(name, 0) and not _empty(before) and not (name == "title" and stored_stand_in):
            continue  # a poorer source never overwrites a richer one
        ranks[name] = max(rank, ranks.get(name, 0)) if before == after else rank
        if before == after:
            continue
        changes[name] = [_jsonable(before), _jsonable(after)]
        setattr(item, name, after)
        if name == "date":
            if item.date_raw != record.date_raw:
                changes["date_raw"] = [item.date_raw, record.date_raw]
            item.date_raw, item.date_plausible = record.date_raw, record.date_plausible
    if record.date is None and item.date is None and record.date_raw and rank >= ranks.get("date", 0):
        # Neither has a usable date: keep what the better source said, flagged as it flagged it.
        if item.date_raw != record.date_raw:
            changes["date_raw"] = [item.date_raw, record.date_raw]
        item.date_raw, item.date_plausible = record.date_raw, record.date_plausible
    item.group_key = record.group_key or item.group_key
    meta = dict(item.meta or {})
    meta_rank = ranks.get("meta", 0)
    for name, value in record.meta.items():
        if _empty(value) or value == [] or value == {} or name == TITLE_PLACEHOLDER:
            continue
        if rank >= meta_rank or _empty(meta.get(name)) or meta.get(name) in ([], {}):
            meta[name] = value
    if stored_stand_in and not stand_in and (item.title or "") == (record.title or ""):
        meta.pop(TITLE_PLACEHOLDER, None)  # a real title has come
    ranks["meta"] = max(rank, meta_rank)
    if record.warnings and rank >= meta_rank:
        meta["warnings"] = list(record.warnings)
    meta[RANKS_KEY] = ranks
    item.meta = meta
    return changes


def initial_ranks(record: Record, rank: int) -> dict[str, int]:
    """The ranks of a new item's fields: the rank of its source for every field it supplied."""
    ranks = {name: rank for name in FIELDS if not _empty(_record_value(record, name))}
    if record.meta.get(TITLE_PLACEHOLDER):
        ranks.pop("title", None)  # a stand-in: any real title replaces it
    ranks["meta"] = rank
    return ranks


def _jsonable(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
