"""Claims and leases (§5.2, §5.3): a worker owns a message only after a conditional UPDATE says so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from relay.db import is_postgresql
from relay.models import Message

# A claim lives this long after its last renewal (smtp.lease_seconds). A working worker renews its
# claims every smtp.heartbeat_seconds (renew_leases), however slow its SMTP server, so the lease need
# not outlast the slowest transaction: it only bounds how long a dead worker's messages wait.
LEASE = timedelta(seconds=30)


def lease_for(settings) -> timedelta:
    """The configured lease (smtp.lease_seconds), or the default when no settings are at hand."""
    return timedelta(seconds=settings.smtp.lease_seconds) if settings is not None else LEASE


def claim_due(*, session: Session, worker: str, now: datetime, batch: int = 100,
              lease: timedelta = LEASE) -> list[int]:
    """Claim up to `batch` due messages for `worker`; the caller commits before connecting anywhere."""
    due = (
        select(Message.id)
        .where(Message.status == "queued", Message.next_attempt_at <= now)
        .order_by(Message.next_attempt_at, Message.id)
        .limit(batch)
    )
    claimed = dict(status="sending", claimed_by=worker, lease_until=now + lease)  # renewed by heartbeat.py
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

    Every claim runs it first (batch.py), so any worker takes over a dead one's messages. next_attempt_at
    is left alone, so they are due at once. An attempt row the dead worker left "started" is found at
    the next try and counted as a possible duplicate (§5.4).
    """
    expired = _unlocked(session, (Message.status == "sending") & (Message.lease_until < now))
    if expired is None:
        return 0
    result = session.execute(
        update(Message)
        .where(expired)
        .values(
            status="queued", lease_until=None, claimed_by=None,
            last_reply=literal("lease expired; was claimed by ") + func.coalesce(Message.claimed_by, "?"),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def renew_leases(*, session: Session, worker: str, now: datetime, lease: timedelta = LEASE) -> int:
    """The heartbeat: extend every claim `worker` still holds to now + lease. Returns how many.

    On PostgreSQL rows locked by a running transaction are skipped: that is this worker's own group
    commit, which is itself starting (and so renewing) or finishing those messages.
    """
    held = _unlocked(session, (Message.status == "sending") & (Message.claimed_by == worker))
    if held is None:
        return 0
    result = session.execute(
        update(Message).where(held).values(lease_until=now + lease).execution_options(synchronize_session=False)
    )
    return result.rowcount


def _unlocked(session: Session, condition):
    """On PostgreSQL, the rows matching `condition` that no other transaction holds, locked for this
    one (None when there are none); on SQLite, one writer at a time, the condition itself.

    Rows a live transaction holds (their owner renewing or finishing them, another sweeper) are
    skipped, not waited for, so sweepers and heartbeats can neither deadlock nor block each other.
    """
    if not is_postgresql(session):
        return condition
    ids = list(session.scalars(select(Message.id).where(condition).order_by(Message.id)
                               .with_for_update(skip_locked=True)))
    return Message.id.in_(ids) if ids else None


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
