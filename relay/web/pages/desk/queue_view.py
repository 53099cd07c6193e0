"""How the governor's queue is shown: what matters first, searchable, a page at a time.

Which items are in the queue is list_queue's business (relay.web.pages.desk.queue); this module only orders,
marks and narrows that list. "Matters first": possible urgent cases (a judgment against Norway, or a
key case), then what arrived since the adviser's last visit, then the rest, newest first. The last visit
is remembered in a cookie per browser (a visit is a run of page loads with less than 30 minutes between).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from relay.models import Item
from relay.web.paging import matches

SEEN_COOKIE = "relay_queue_seen"
VISIT_GAP = timedelta(minutes=30)
SHOW = ("new", "urgent", "recommendations")


@dataclass
class Entry:
    item: Item
    new: bool
    urgent: bool
    recommendations: int


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def last_visit(cookie: str | None, now: datetime) -> tuple[datetime | None, str]:
    """(the end of the previous visit or None, the cookie to set): "previous:current" in epoch seconds."""
    previous = current = None
    try:
        first, _, second = (cookie or "").partition(":")
        previous = datetime.fromtimestamp(int(first), UTC) if first else None
        current = datetime.fromtimestamp(int(second), UTC) if second else None
    except (ValueError, OverflowError, OSError):
        previous = current = None
    if current is not None and now - current > VISIT_GAP:
        previous = current  # a new visit begins: the last one ended at its latest page load
    value = f"{int(previous.timestamp()) if previous else ''}:{int(now.timestamp())}"
    return previous, value


def urgent_candidate(item: Item) -> bool:
    """A judgment or decision against Norway, or a case the Court marks as a key case."""
    states = set((item.states or "").split(";"))
    return bool(item.key_case) or (item.kind in ("judgment", "decision") and "NOR" in states)


def recommendation_counts(session, item_ids: list[int]) -> Counter:
    """Recommendations cut from each item's document (they are items with the document as parent)."""
    if not item_ids:
        return Counter()
    rows = session.execute(select(Item.parent_item_id, func.count()).where(Item.parent_item_id.in_(item_ids))
                           .group_by(Item.parent_item_id))
    return Counter({parent: count for parent, count in rows})


def arrange(session, items: list[Item], *, since_visit: datetime | None, query: str = "", show: str = "") -> tuple[
        list[Entry], dict[str, int]]:
    """The entries to list (searched, narrowed by ?show=, most important first) and the counts per mark
    over the whole searched list, for the summary links."""
    counts = recommendation_counts(session, [i.id for i in items])
    entries = [Entry(item=i, new=since_visit is not None and _utc(i.first_seen_at) > since_visit,
                     urgent=urgent_candidate(i), recommendations=counts.get(i.id, 0))
               for i in items
               if not query or matches(query, i.title, i.body, i.text, i.source.name if i.source else "")]
    totals = {"new": sum(e.new for e in entries), "urgent": sum(e.urgent for e in entries),
              "recommendations": sum(bool(e.recommendations) for e in entries), "all": len(entries)}
    if show == "new":
        entries = [e for e in entries if e.new]
    elif show == "urgent":
        entries = [e for e in entries if e.urgent]
    elif show == "recommendations":
        entries = [e for e in entries if e.recommendations]
    # Stable sort: list_queue's order (newest first) is kept within each group.
    entries.sort(key=lambda e: (not e.urgent, not e.new))
    return entries, totals
