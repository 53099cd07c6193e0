"""The outbox: messages are committed here before any byte goes to SMTP, and read back for operators."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from relay.delivery.wakeup import SEND, wake_on_commit
from relay.delivery.wire_form import wire_bytes
from relay.models import Message, MessageBody, utcnow

FAILING_STATUSES = ("temporary-failure", "permanent-failure", "technical-failure")
# Insert-or-nothing on the table itself, values as parameters: an urgent fan-out queues ~2,000
# messages, and the ORM's per-statement coercion of the values cost more than the insert (issue 24).
_MESSAGE, _BODY = Message.__table__, MessageBody.__table__
_INSERT_MESSAGE = {
    module.dialect.name: module.insert(_MESSAGE).on_conflict_do_nothing(index_elements=["purpose_key"])
    .returning(_MESSAGE.c.id)
    for module in (postgresql, sqlite)
}
_INSERT_BODY = insert(_BODY)


def as_bytes(message: EmailMessage | bytes) -> bytes:
    """The wire form, with CRLF line ends: what DKIM signs and what SMTP carries."""
    if isinstance(message, bytes):
        return message
    return wire_bytes(message)


def enqueue(
    *,
    session: Session,
    purpose_key: str,
    kind: str,
    to_address: str,
    envelope_from: str,
    message: EmailMessage | bytes,
    subject: str,
    message_id_header: str,
    contact_id: int | None = None,
    digest_id: int | None = None,
    now: datetime | None = None,
    deadline_hours: float = 72,
) -> Message:
    """Insert the message, or nothing when its purpose_key exists; return the stored row either way.

    Insert-or-nothing and read back (§5.1), never check-then-insert: two planners racing on the
    same purpose produce one row. The caller's transaction commits it.
    """
    now = now or utcnow()
    # RETURNING rather than rowcount: drivers differ on what rowcount says for DO NOTHING, while a
    # returned id means exactly "this call inserted it" on both databases.
    inserted = session.execute(_INSERT_MESSAGE[session.get_bind().dialect.name], dict(
        purpose_key=purpose_key, kind=kind, contact_id=contact_id, digest_id=digest_id,
        to_address=to_address, envelope_from=envelope_from, subject=subject,
        message_id_header=message_id_header, status="queued", attempts=0,
        possible_duplicates=0, created_at=now, next_attempt_at=now,
        deadline_at=now + timedelta(hours=deadline_hours),
    )).first()
    if inserted is not None:
        # In the same transaction, so no sender can claim the message before its bytes are there.
        session.execute(_INSERT_BODY, {"message_id": inserted[0], "mime": as_bytes(message)})
        wake_on_commit(session, SEND)  # senders start at the commit, not at their next tick
    return session.scalars(
        select(Message).where(Message.purpose_key == purpose_key).execution_options(populate_existing=True)
    ).one()


def count_by_status(*, session: Session) -> dict[str, int]:
    rows = session.execute(select(Message.status, func.count()).group_by(Message.status))
    return {status: count for status, count in rows}


def oldest_queued_at(*, session: Session) -> datetime | None:
    return session.scalar(select(func.min(Message.created_at)).where(Message.status.in_(("queued", "sending"))))


def list_waiting(*, session: Session, limit: int = 50) -> list[Message]:
    """Messages not yet handed over, oldest first, with the reason of their last try."""
    return list(session.scalars(
        select(Message).where(Message.status.in_(("queued", "sending")))
        .order_by(Message.next_attempt_at, Message.id).limit(limit)
    ))


def list_failing(*, session: Session, limit: int = 50) -> list[Message]:
    """Failed messages and queued ones that have been tried before: what an operator looks at."""
    return list(session.scalars(
        select(Message).where(
            Message.status.in_(FAILING_STATUSES) | ((Message.status == "queued") & (Message.attempts > 0))
        ).order_by(Message.created_at.desc(), Message.id.desc()).limit(limit)
    ))
