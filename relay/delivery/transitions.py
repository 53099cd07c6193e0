"""Status changes of one claimed message: start an attempt, then record what the next hop said.

Each function runs inside the caller's transaction (STYLE C9). Changes that need the claim
are conditional on it (status 'sending', claimed_by this worker); "sent" is not, because a
2xx is evidence that stays true even when our lease ran out meanwhile.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from relay.delivery.claim import LEASE
from relay.delivery.policy import Verdict, enhanced_status, next_attempt
from relay.models import Attempt, Message, ReceiptEvent
from relay.settings import Settings
from relay.store.upsert import insert_ignore

INTERRUPTED = "interrupted: no reply recorded (worker stopped mid-attempt); possible duplicate"
_ATTEMPT_OUTCOME = {"sent": "sent", "retry": "retry", "permanent": "failed", "technical": "failed"}


@dataclass(frozen=True)
class Started:
    number: int
    interrupted: int  # earlier attempts left "started" by a worker that died: possible duplicates


def start_attempt(*, session: Session, message_id: int, worker: str, now: datetime) -> Started | None:
    """Count and record the attempt (outcome 'started'); None when the claim is no longer ours.

    The caller commits this before the first byte is sent (§5.4). It also renews the lease,
    so a long batch does not lose the messages still waiting behind the current one.
    """
    number = _core(session,
        update(Message)
        .where(Message.id == message_id, Message.status == "sending", Message.claimed_by == worker)
        .values(attempts=Message.attempts + 1, lease_until=now + LEASE)
        .returning(Message.attempts)
    ).scalar()
    if number is None:
        return None
    stale = _core(session,
        update(Attempt)
        .where(Attempt.message_id == message_id, Attempt.outcome == "started")
        .values(outcome="retry", finished_at=now, reply=INTERRUPTED)
    ).rowcount
    if stale:
        _add_possible_duplicates(session, message_id, stale)
    _core(session, insert(Attempt).values(message_id=message_id, number=number, worker=worker, started_at=now,
                                          outcome="started"))
    return Started(number, stale)


def record_verdict(*, session: Session, message_id: int, number: int, worker: str, verdict: Verdict,
                   now: datetime, retry_deadline: timedelta, rng: random.Random | None = None,
                   settings: Settings | None = None) -> str:
    """Apply the verdict; returns the message's new status, or 'lost' when the claim was taken away.

    settings: for the hard-bounce threshold and the governor's notice (defaults to get_settings()).
    """
    _core(session,
        update(Attempt)
        .where(Attempt.message_id == message_id, Attempt.number == number)
        .values(outcome=_ATTEMPT_OUTCOME[verdict.action], finished_at=now, reply=verdict.reply[:4000])
    )
    row = _core(session,
        select(Message.contact_id, Message.created_at, Message.deadline_at).where(Message.id == message_id)
    ).one()
    if verdict.uncertain:
        _add_possible_duplicates(session, message_id, 1)
    evidence = {"reply": verdict.reply, "class": verdict.evidence, "attempt": number}
    if verdict.action == "sent":
        return _mark_sent(session, message_id, row.contact_id, verdict, now)
    if verdict.action == "retry":
        deadline = row.deadline_at or row.created_at + retry_deadline
        _event(session, f"deferred:{message_id}:{number}", "deferred", message_id, row.contact_id, now, evidence)
        due = next_attempt(now=now, attempts=number, deadline=deadline, rng=rng)
        if due is not None:
            return _owned_update(session, message_id, worker, "queued", verdict.reply, next_attempt_at=due)
        final = "technical-failure" if verdict.ours else "temporary-failure"
        return _owned_update(session, message_id, worker, final, f"retry deadline passed; last reply: {verdict.reply}")
    if verdict.action == "permanent":
        new = _event(session, f"bounced:smtp:{message_id}", "bounced", message_id, row.contact_id, now,
                     {**evidence, "source": "smtp"})
        if new and row.contact_id is not None and refuses_the_address(verdict):
            _count_hard_bounce(session, row.contact_id, settings)
        return _owned_update(session, message_id, worker, "permanent-failure", verdict.reply)
    return _owned_update(session, message_id, worker, "technical-failure", verdict.reply)


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


def _count_hard_bounce(session: Session, contact_id: int, settings: Settings | None) -> None:
    """Refusals at SMTP time count towards `bouncing` like DSNs do (listmonk #2623); the governor is
    told once, in this transaction, when this refusal is the one that crosses the threshold."""
    from relay.outgoing import queue_bounce_notices  # relay.outgoing builds on the delivery package
    from relay.receipts.inbound import count_hard_bounce
    from relay.settings import get_settings

    settings = settings or get_settings()
    if count_hard_bounce(session, contact_id, settings.receipts.hard_bounce_threshold):
        queue_bounce_notices(session=session, settings=settings, contact_ids=[contact_id])


def _mark_sent(session: Session, message_id: int, contact_id: int | None, verdict: Verdict, now: datetime) -> str:
    changed = _core(session,
        update(Message)
        .where(Message.id == message_id, Message.status.in_(("queued", "sending")))
        .values(status="sent", sent_at=now, last_reply=verdict.reply[:4000], queue_id=verdict.queue_id,
                remote_host=(verdict.host or "")[:300] or None, claimed_by=None, lease_until=None)
    ).rowcount
    if not changed:
        # Another attempt already got a 2xx for this message: this one was a real duplicate.
        _add_possible_duplicates(session, message_id, 1)
    _event(session, f"accepted:{message_id}", "accepted", message_id, contact_id, now,
           {"reply": verdict.reply, "queue_id": verdict.queue_id, "host": verdict.host})
    return "sent"


def _owned_update(session: Session, message_id: int, worker: str, status: str, reply: str, **values) -> str:
    changed = _core(session,
        update(Message)
        .where(Message.id == message_id, Message.status == "sending", Message.claimed_by == worker)
        .values(status=status, last_reply=reply[:4000], claimed_by=None, lease_until=None, **values)
    ).rowcount
    return status if changed else "lost"


def _core(session: Session, statement):
    """Plain SQL on the session's connection and transaction: the ORM's bulk-update bookkeeping
    costs more than the statement itself, and nothing here needs the identity map."""
    return session.connection().execute(statement)


def _add_possible_duplicates(session: Session, message_id: int, count: int) -> None:
    _core(session,
        update(Message).where(Message.id == message_id)
        .values(possible_duplicates=Message.possible_duplicates + count)
    )


def _event(session: Session, key: str, kind: str, message_id: int, contact_id: int | None, now: datetime,
           evidence: dict) -> bool:
    return insert_ignore(session, ReceiptEvent, {
        "dedupe_key": key[:300], "kind": kind, "occurred_at": now, "message_id": message_id,
        "contact_id": contact_id, "evidence": evidence,
    }, ["dedupe_key"])
