"""Re-tag items whose document text arrived or changed: the scheduler's `tag_changed(engine)`.

The marker is Item.tagged_at = NULL ("the tags are older than the text"): fetch_one sets it in
the same transaction that stores a newly extracted text, and recommendation items it creates
start without one. An unchanged re-check (304, same hash) leaves the tags alone.

Each item is claimed with a conditional UPDATE of tagged_at before its tags are computed
(STYLE C4), so two overlapping runs never tag the same item, and a text stored while an item
is being tagged sets the marker again afterwards rather than being overwritten.
"""

from __future__ import annotations

import logging

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.engine import Engine

from relay.db import transaction
from relay.models import Document, Item, utcnow
from relay.tagging.apply import tag_item
from relay.tagging.sectors import get_ruleset

log = logging.getLogger("relay.documents")
BATCH = 200  # items per run; the rest wait for the next tick


def stale_item_ids(session, *, limit: int = BATCH) -> list[int]:
    """Items marked stale that have a fetched text, or are recommendations cut from one."""
    has_text = exists().where(Document.item_id == Item.id, Document.status == "ok")
    parent_has_text = Item.parent_item_id.in_(select(Document.item_id).where(Document.status == "ok"))
    query = select(Item.id).where(
        Item.tagged_at.is_(None),
        or_(has_text, and_(Item.kind == "recommendation", parent_has_text)),
    )
    return list(session.scalars(query.order_by(Item.id).limit(limit)))


def tag_changed(engine: Engine, *, limit: int = BATCH) -> int:
    """Re-tag up to `limit` items whose document text changed since they were tagged; returns how many."""
    ruleset = get_ruleset()
    with transaction(engine) as session:
        ids = stale_item_ids(session, limit=limit)
    done = 0
    for item_id in ids:
        try:
            with transaction(engine) as session:
                if not _claim(session, item_id):
                    continue  # another run tagged it first
                tag_item(session=session, item=session.get(Item, item_id), ruleset=ruleset)
            done += 1
        except Exception:  # noqa: BLE001 - one item that cannot be tagged must not stop the rest
            log.exception("re-tagging after a document change failed", extra={"item_id": item_id})
            with transaction(engine) as session:  # pushed forward (C6): not retried every tick
                session.execute(update(Item).where(Item.id == item_id).values(tagged_at=utcnow()))
    if ids:
        log.info("items re-tagged after document change", extra={"stale": len(ids), "tagged": done})
    return done


def _claim(session, item_id: int) -> bool:
    result = session.execute(
        update(Item).where(Item.id == item_id, Item.tagged_at.is_(None)).values(tagged_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
