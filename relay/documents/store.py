"""Document rows: which exist, which are due, and claiming one before fetching it (STYLE C4).

A document is due when it is pending and not leased, or when its next_attempt_at has come
(a warm-up retry, a retry after a failure, or the periodic conditional re-check of a fetched
text). next_attempt_at = NULL on a non-pending row means "final": nothing more to do.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from relay.documents.targets import HUDOC, targets_for
from relay.models import Document, Item

PLAN_BATCH = 500  # items examined per planning pass; the rest wait for the next tick


def ensure_documents(*, session: Session, item: Item) -> list[Document]:
    """Create the item's missing document rows (pending). Existing rows are left alone."""
    have = {d.kind: d for d in session.scalars(select(Document).where(Document.item_id == item.id))}
    for target in targets_for(item):
        if target.kind not in have:
            doc = Document(item_id=item.id, kind=target.kind, url=target.url, status="pending", attempts=0,
                           structure={"via": target.via, "parts": [{"url": u} for u in target.parts]})
            session.add(doc)
            have[target.kind] = doc
    session.flush()
    return list(have.values())


def plan_documents(*, session: Session, item_ids: list[int] | None = None) -> int:
    """Document rows for relevant items that have none yet. Returns how many were created."""
    query = select(Item).outerjoin(Document, Document.item_id == Item.id).where(
        Document.id.is_(None), Item.relevant.is_(True), Item.parent_item_id.is_(None),
        Item.primary_item_id.is_(None), or_(Item.body.in_(list(HUDOC)), Item.key.like("un:%")),
    )
    if item_ids is not None:
        query = query.where(Item.id.in_(item_ids))
    created = 0
    for item in session.scalars(query.order_by(Item.id.desc()).limit(PLAN_BATCH)):
        created += len(ensure_documents(session=session, item=item))
    return created


def due_documents(*, session: Session, now: datetime, limit: int, item_id: int | None = None) -> list[tuple[int, datetime | None]]:
    """(id, next_attempt_at as read) of due documents, oldest wish first; the pair is what claim() checks."""
    due = or_(
        and_(Document.status == "pending", or_(Document.next_attempt_at.is_(None), Document.next_attempt_at <= now)),
        and_(Document.status != "pending", Document.next_attempt_at.is_not(None), Document.next_attempt_at <= now),
    )
    query = select(Document.id, Document.next_attempt_at).where(due)
    if item_id is not None:
        query = select(Document.id, Document.next_attempt_at).where(Document.item_id == item_id)
    query = query.order_by(Document.next_attempt_at.is_(None).desc(), Document.next_attempt_at, Document.id)
    return [(row.id, row.next_attempt_at) for row in session.execute(query.limit(limit))]


def claim(*, session: Session, document_id: int, seen: datetime | None, lease: timedelta, now: datetime) -> bool:
    """Lease the row by moving next_attempt_at, only if nobody moved it since we read it."""
    current = Document.next_attempt_at.is_(None) if seen is None else Document.next_attempt_at == seen
    result = session.execute(
        update(Document).where(Document.id == document_id, current).values(next_attempt_at=now + lease)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def documents_for(*, session: Session, item_id: int) -> dict[str, Document]:
    return {d.kind: d for d in session.scalars(select(Document).where(Document.item_id == item_id))}
