"""Status changes of one claimed message: start an attempt, then record what the next hop said.

Each function runs inside the caller's transaction (STYLE C9). Changes that need the claim
are conditional on it (status 'sending', claimed_by this worker); "sent" is not, because a
2xx is evidence that stays true even when our lease ran out meanwhile.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from relay.delivery import pgbulk, sqlitebulk
from relay.delivery.claim import LEASE
from relay.delivery.policy import Verdict, enhanced_status, next_attempt
from relay.models import Attempt, Message, ReceiptEvent
from relay.settings import Settings

INTERRUPTED = "interrupted: no reply recorded (worker stopped mid-attempt); possible duplicate"
_ATTEMPT_OUTCOME = {"sent": "sent", "retry": "retry", "permanent": "failed", "technical": "failed"}


@dataclass(frozen=True)
class Started:
    number: int
    interrupted: int  # earlier attempts left "started" by a worker that died: possible duplicates


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to, with the message facts record_outcomes needs (no read-back)."""

    message_id: int
    number: int
    verdict: Verdict
    contact_id: int | None
    deadline: datetime


def start_attempts(*, session: Session, message_ids: list[int], worker: str, now: datetime,
                   lease: timedelta = LEASE) -> dict[int, Started]:
    """Count and record one attempt (outcome 'started') for each message still claimed by `worker`.

    A few statements for the whole chunk (pgbulk on PostgreSQL, sqlitebulk on SQLite), plus one per
    message that still has an attempt left open by a crash. The caller commits before the first byte is sent
    (§5.4). It also renews the leases, so a long batch does not lose the messages behind.
    Messages whose claim is gone are missing from the result.
    """
    if not message_ids:
        return {}
    rows = _bulk(session).start_attempts(session.connection(), ids=message_ids, worker=worker, now=now,
                                         lease_until=now + lease, interrupted=INTERRUPTED)
    for message_id, _number, stale in rows:
        if stale:
            _add_possible_duplicates(session, message_id, stale)
    return {m: Started(n, stale) for m, n, stale in rows}


def start_attempt(*, session: Session, message_id: int, worker: str, now: datetime) -> Started | None:
    """start_attempts for one message; None when the claim is no longer ours."""
    return start_attempts(session=session, message_ids=[message_id], worker=worker, now=now).get(message_id)


def withdraw_attempts(*, session: Session, message_ids: list[int], worker: str) -> None:
    """Undo start_attempts for messages of which not a byte was sent (the lane stopped first), so
    giving them back does not count a try against them."""
    if not message_ids:
        return
    withdrawn = list(_core(session,
        delete(Attempt)
        .where(Attempt.message_id.in_(message_ids), Attempt.worker == worker, Attempt.outcome == "started")
        .returning(Attempt.message_id)
    ).scalars())
    if withdrawn:
        _core(session,
            update(Message)
            .where(Message.id.in_(withdrawn), Message.status == "sending", Message.claimed_by == worker)
            .values(attempts=Message.attempts - 1)
        )


def record_outcomes(*, session: Session, worker: str, outcomes: list[Outcome], now: datetime,
                    rng: random.Random | None = None, settings: Settings | None = None) -> dict[int, str]:
    """Apply a chunk's verdicts in the caller's transaction; returns each message's new status
    ('lost' when the claim was taken away). Sent messages, the common case, cost a few
    statements for the whole chunk; the rest go one by one.

    settings: for the hard-bounce threshold and the governor's notice (defaults to get_settings()).
    """
    if not outcomes:
        return {}
    bulk = _bulk(session)
    bulk.finish_attempts(session.connection(), [
        {"m": o.message_id, "n": o.number, "outcome": _ATTEMPT_OUTCOME[o.verdict.action],
         "reply": o.verdict.reply[:4000]} for o in outcomes], now)
    for o in outcomes:
        if o.verdict.uncertain:
            _add_possible_duplicates(session, o.message_id, 1)
    sent = [o for o in outcomes if o.verdict.action == "sent"]
    statuses = _mark_sent(session, sent, now, bulk) if sent else {}
    events = [_event_row(f"accepted:{o.message_id}", "accepted", o, now,
                         {"reply": o.verdict.reply, "queue_id": o.verdict.queue_id, "host": o.verdict.host})
              for o in sent]
    for o in outcomes:
        if o.verdict.action != "sent":
            statuses[o.message_id] = _record_failure(session, o, worker, now, rng, settings)
    if events:
        bulk.insert_events(session.connection(), events, now)
    return statuses


def record_verdict(*, session: Session, message_id: int, number: int, worker: str, verdict: Verdict,
                   now: datetime, retry_deadline: timedelta, rng: random.Random | None = None,
                   settings: Settings | None = None) -> str:
    """record_outcomes for one message, reading the facts it needs from its row."""
    row = _core(session,
        select(Message.contact_id, Message.created_at, Message.deadline_at).where(Message.id == message_id)
    ).one()
    outcome = Outcome(message_id, number, verdict, row.contact_id, row.deadline_at or row.created_at + retry_deadline)
    return record_outcomes(session=session, worker=worker, outcomes=[outcome], now=now, rng=rng,
                           settings=settings)[message_id]


def _record_failure(session: Session, o: Outcome, worker: str, now: datetime, rng, settings) -> str:
    verdict = o.verdict
    evidence = {"reply": verdict.reply, "class": verdict.evidence, "attempt": o.number}
    if verdict.action == "retry":
        _insert_events(session, [_event_row(f"deferred:{o.message_id}:{o.number}", "deferred", o, now, evidence)])
        due = next_attempt(now=now, attempts=o.number, deadline=o.deadline, rng=rng)
        if due is not None:
            return _owned_update(session, o.message_id, worker, "queued", verdict.reply, next_attempt_at=due)
        final = "technical-failure" if verdict.ours else "temporary-failure"
        return _owned_update(session, o.message_id, worker, final,
                             f"retry deadline passed; last reply: {verdict.reply}")
    if verdict.action == "permanent":
        new = _insert_events(session, [_event_row(f"bounced:smtp:{o.message_id}", "bounced", o, now,
                                                  {**evidence, "source": "smtp"})], report_new=True)
        if new and o.contact_id is not None and refuses_the_address(verdict):
            _count_hard_bounce(session, o.contact_id, settings, enhanced_status(verdict.reply[3:]) or "")
        return _owned_update(session, o.message_id, worker, "permanent-failure", verdict.reply)
    return _owned_update(session, o.message_id, worker, "technical-failure", verdict.reply)


def refuses_the_address(verdict: Verdict) -> bool:
    """A 5xx that says this address is bad, as opposed to our policy (5.7.x: SPF, DKIM, DMARC,
    reputation) or the content. Most servers refuse an unknown user at RCPT; a few only after DATA,
    which with one recipient per message is still about the address when the code says so (5.1.x
    bad address, 5.2.x mailbox). 5.4.4 (unable to route) is treated as transient, as for DSNs."""
    if not verdict.reply.startswith("5") or verdict.evidence == "policy":
        return False
    status = enhanced_status(verdict.reply[3:]) or ""
    if status == "5.4.4":
        return False
    return verdict.evidence == "address" or (verdict.evidence == "content" and status[:4] in ("5.1.", "5.2."))


def _count_hard_bounce(session: Session, contact_id: int, settings: Settings | None, status: str = "") -> None:
    """Refusals at SMTP time count towards `bouncing` like DSNs do (listmonk #2623); the governor is
    told once, in this transaction, when this refusal is the one that crosses the threshold."""
    from relay.outgoing import queue_bounce_notices  # relay.outgoing builds on the delivery package
    from relay.receipts.inbound import count_hard_bounce, is_mailbox_status
    from relay.settings import get_settings

    settings = settings or get_settings()
    if count_hard_bounce(session, contact_id, settings.receipts.hard_bounce_threshold,
                         mailbox=is_mailbox_status(status)):  # issue 18: a dead mailbox fails at once
        queue_bounce_notices(session=session, settings=settings, contact_ids=[contact_id])


def _mark_sent(session: Session, sent: list[Outcome], now: datetime, bulk) -> dict[int, str]:
    bulk.mark_sent(session.connection(), [  # which also counts the real duplicates
        {"m": o.message_id, "last_reply": o.verdict.reply[:4000], "queue_id": o.verdict.queue_id,
         "remote_host": (o.verdict.host or "")[:300] or None} for o in sent], now)
    return dict.fromkeys((o.message_id for o in sent), "sent")


def _owned_update(session: Session, message_id: int, worker: str, status: str, reply: str, **values) -> str:
    changed = _core(session,
        update(Message)
        .where(Message.id == message_id, Message.status == "sending", Message.claimed_by == worker)
        .values(status=status, last_reply=reply[:4000], claimed_by=None, lease_until=None, **values)
    ).rowcount
    return status if changed else "lost"


def _core(session: Session, statement, parameters=None):
    """Plain SQL on the session's connection and transaction: the ORM's bulk-update bookkeeping
    costs more than the statement itself, and nothing here needs the identity map. A list of
    parameters runs the statement once per entry (executemany)."""
    return session.connection().execute(statement, parameters)


def _bulk(session: Session):
    """The module with the chunk-at-once statements for this database (pgbulk.py, sqlitebulk.py)."""
    return pgbulk if session.get_bind().dialect.name == "postgresql" else sqlitebulk


def _add_possible_duplicates(session: Session, message_id: int, count: int) -> None:
    _core(session,
        update(Message).where(Message.id == message_id)
        .values(possible_duplicates=Message.possible_duplicates + count)
    )


def _event_row(key: str, kind: str, o: Outcome, now: datetime, evidence: dict) -> dict:
    return {"dedupe_key": key[:300], "kind": kind, "occurred_at": now, "message_id": o.message_id,
            "contact_id": o.contact_id, "evidence": evidence}


def _insert_events(session: Session, rows: list[dict], *, report_new: bool = False) -> set[str]:
    """Insert-or-nothing by dedupe key (the failure paths' events, one or two at a time: the sent
    chunk's go through pgbulk/sqlitebulk); with report_new, returns the keys that
    were new. RETURNING names them: the cursor's rowcount is not reliable for INSERT … ON
    CONFLICT with SQLAlchemy on psycopg, and says nothing per row."""
    if not rows:
        return set()
    statement = _INSERT_EVENT[session.get_bind().dialect.name == "postgresql"]
    if not report_new:
        _core(session, statement, rows)
        return set()
    return {key for row in rows for key in _core(session, statement.returning(ReceiptEvent.dedupe_key), row).scalars()}


# Built once: building and cache-keying a statement per use cost more than running it (the delivery
# benchmark's profile). The failure paths' receipt events, one or two at a time.
_INSERT_EVENT = {postgres: dialect.insert(ReceiptEvent).on_conflict_do_nothing(index_elements=["dedupe_key"])
                 for postgres, dialect in ((True, postgresql), (False, sqlite))}
