"""The chunk writes on their own (set-based on PostgreSQL, executemany on SQLite): same rows either way."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from relay.db import transaction
from relay.delivery.claim import claim_due
from relay.delivery.policy import Verdict
from relay.delivery.transitions import INTERRUPTED, Outcome, record_outcomes, start_attempts
from relay.models import Attempt, Message, ReceiptEvent, utcnow
from tests.delivery.helpers import queue

T0 = utcnow().replace(microsecond=0)


def test_it_starts_records_and_counts_a_second_acceptance_as_a_real_duplicate(engine):
    ids = queue(engine, ["a@voss.test", "b@voss.test", "c@voss.test"], now=T0)
    with transaction(engine) as session:
        claim_due(session=session, worker="w", now=T0, batch=10)
        started = start_attempts(session=session, message_ids=ids, worker="w", now=T0)
    assert {m: s.number for m, s in started.items()} == dict.fromkeys(ids, 1)
    with transaction(engine) as session:  # meanwhile, another attempt at c got its 2xx recorded
        session.get(Message, ids[2]).status = "sent"
    later = T0 + timedelta(seconds=5)
    verdicts = [Verdict("sent", "250 2.0.0 Ok: queued as Q1", queue_id="Q1", host="mx [127.0.0.1]:25"),
                Verdict("permanent", "550 5.1.1 No such user", "address"),
                Verdict("sent", "250 2.0.0 Ok: queued as Q3", queue_id="Q3")]
    with transaction(engine) as session:
        statuses = record_outcomes(session=session, worker="w", now=later, outcomes=[
            Outcome(m, 1, v, None, T0 + timedelta(hours=72)) for m, v in zip(ids, verdicts, strict=True)])
    assert statuses == {ids[0]: "sent", ids[1]: "permanent-failure", ids[2]: "sent"}
    with transaction(engine) as session:
        rows = {m.id: m for m in session.scalars(select(Message))}
        attempts = {a.message_id: a for a in session.scalars(select(Attempt))}
        accepted = {e.message_id: e for e in session.scalars(select(ReceiptEvent).where(ReceiptEvent.kind == "accepted"))}
    a, b, c = (rows[m] for m in ids)
    assert (a.status, a.queue_id, a.remote_host, a.sent_at, a.claimed_by) == ("sent", "Q1", "mx [127.0.0.1]:25", later, None)
    assert (b.status, b.last_reply) == ("permanent-failure", "550 5.1.1 No such user")
    assert (c.possible_duplicates, a.possible_duplicates) == (1, 0)
    assert [(attempts[m].outcome, attempts[m].finished_at) for m in ids] == [("sent", later), ("failed", later),
                                                                            ("sent", later)]
    assert accepted[ids[0]].evidence == {"reply": "250 2.0.0 Ok: queued as Q1", "queue_id": "Q1",
                                         "host": "mx [127.0.0.1]:25"}
    assert accepted[ids[0]].occurred_at == later and set(accepted) == {ids[0], ids[2]}


def test_it_closes_an_attempt_a_dead_worker_left_open_when_the_next_one_starts(engine):
    [mid] = queue(engine, ["a@voss.test"], now=T0)
    with transaction(engine) as session:
        claim_due(session=session, worker="w", now=T0, batch=10)
        session.add(Attempt(message_id=mid, number=1, worker="dead", started_at=T0, outcome="started"))
        session.get(Message, mid).attempts = 1
    with transaction(engine) as session:
        started = start_attempts(session=session, message_ids=[mid], worker="w", now=T0)
        assert start_attempts(session=session, message_ids=[mid], worker="someone else", now=T0) == {}
    assert (started[mid].number, started[mid].interrupted) == (2, 1)
    with transaction(engine) as session:
        tries = session.scalars(select(Attempt).order_by(Attempt.number)).all()
        row = session.get(Message, mid)
    assert [(t.number, t.outcome, t.reply) for t in tries] == [(1, "retry", INTERRUPTED), (2, "started", None)]
    assert (row.attempts, row.possible_duplicates) == (2, 1)
