"""Archive page views, searches and feed fetches counted per day and subject. Nothing about the reader
is kept (no address, agent, cookie or search words): a count cannot be traced to a person."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from relay.models import ArchiveHit, utcnow
from relay.models.archive import HIT_KINDS


def count_hit(*, session: Session, kind: str, subject: str) -> None:
    """One more for (today, kind, subject), as one insert-or-add so parallel readers never lose a count."""
    if kind not in HIT_KINDS:
        raise ValueError(f"unknown hit kind {kind!r}")
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(ArchiveHit).values(day=utcnow().date(), kind=kind, subject=subject[:120], count=1)
    session.execute(statement.on_conflict_do_update(
        index_elements=["day", "kind", "subject"], set_={"count": ArchiveHit.count + 1}))


def hit_totals(*, session: Session, start: date, end: date) -> dict[str, int]:
    """kind → number of hits in [start, end)."""
    rows = session.execute(select(ArchiveHit.kind, func.sum(ArchiveHit.count)).where(
        ArchiveHit.day >= start, ArchiveHit.day < end).group_by(ArchiveHit.kind)).all()
    return {kind: int(total or 0) for kind, total in rows}


def feed_readers(*, session: Session, start: date, end: date) -> int:
    """Distinct feeds fetched on an average day in [start, end): readers poll, so the number of feeds
    fetched each day stands in for subscribers without knowing who they are."""
    per_day = select(ArchiveHit.day, func.count().label("feeds")).where(
        ArchiveHit.kind == "feed", ArchiveHit.day >= start, ArchiveHit.day < end).group_by(ArchiveHit.day).subquery()
    average = session.execute(select(func.avg(per_day.c.feeds))).scalar()
    return round(float(average or 0))
