"""Claims and leases (§5.2, §5.3): a worker owns a message only after a conditional UPDATE says so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from relay.db import is_postgresql
from relay.models import Message

LEASE = timedelta(minutes=10)  # longer than the slowest SMTP transaction (RFC 5321 §4.5.3.2 timeouts)


def claim_due(*, session: Session, worker: str, now: datetime, batch: int = 100,
              lease: timedelta = LEASE) -> list[int]:
    """Claim up to `batch` due messages for `worker`; the caller commits before connecting anywhere."""
    due = (
        select(Message.id)
        .where(Message.status == "queued", Message.next_attempt_at <= now)
        .order_by(Message.next_attempt_at, Message.id)
        .limit(batch)
    )
    claimed = dict(status="sending", claimed_by=worker, lease_until=now + lease)
    if is_postgresql(session):
        # Rows another worker is claiming right now are skipped, not waited for.
        ids = list(session.scalars(due.with_for_update(skip_locked=True)))
        if ids:
            session.execute(
                update(Message).where(Message.id.in_(ids)).values(**claimed)
                .execution_options(synchronize_session=False)
            )
        return ids
    # SQLite has one writer at a time, so a single conditional UPDATE … RETURNING is the claim.
    result = session.execute(
        update(Message)
        .where(Message.id.in_(due.scalar_subquery()), Message.status == "queued", Message.next_attempt_at <= now)
        .values(**claimed)
        .returning(Message.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars())


def sweep_expired_leases(*, session: Session, now: datetime) -> int:
    """Return messages whose worker vanished (lease expired) to the queue. Returns how many.

    next_attempt_at is left alone, so they are due at once. An attempt row the dead worker left
    "started" is found at the next try and counted as a possible duplicate (§5.4).
    """
    result = session.execute(
        update(Message)
        .where(Message.status == "sending", Message.lease_until < now)
        .values(
            status="queued", lease_until=None, claimed_by=None,
            last_reply=literal("lease expired; was claimed by ") + func.coalesce(Message.claimed_by, "?"),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def release(*, session: Session, message_id: int, worker: str, due_at: datetime, reason: str,
            deadline_passed: bool = False) -> bool:
    """Give back a claimed message without an attempt (rate limit, shutdown, a server that is busy).

    A message that was never tried but whose deadline has passed still ends in a final state.
    """
    values: dict = dict(claimed_by=None, lease_until=None)
    if deadline_passed:
        values.update(status="temporary-failure", last_reply=f"retry deadline passed; {reason}")
    else:
        values.update(status="queued", next_attempt_at=due_at)
    result = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == "sending", Message.claimed_by == worker)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


@dataclass(frozen=True)
class Release:
    message_id: int
    due_at: datetime
    reason: str
    deadline_passed: bool = False


def release_many(*, session: Session, worker: str, releases: list[Release]) -> int:
    """release() for each, in the caller's one transaction; returns how many were still ours."""
    return sum(release(session=session, message_id=r.message_id, worker=worker, due_at=r.due_at, reason=r.reason,
                       deadline_passed=r.deadline_passed) for r in releases)
