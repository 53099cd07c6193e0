"""The per-domain sending budget lives in the database, so every worker spends the same one."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from relay.db import transaction
from relay.delivery.budget import spend
from relay.models import DomainBudget, Message, utcnow
from tests.delivery.faults import FaultServer
from tests.delivery.helpers import queue
from tests.delivery.test_processes import _worker

T0 = utcnow().replace(microsecond=0)


def _spend(engine, domains, now, rate=6):
    with transaction(engine) as session:
        return spend(session=session, domains=domains, now=now, rate_per_minute=rate)


def test_a_domain_gets_one_minutes_worth_at_once_and_the_rest_is_spread_by_its_rate(engine):
    waits = _spend(engine, ["bergen.test"] * 8 + ["voss.test"], T0)
    assert waits[:6] == [0.0] * 6 and waits[8] == 0.0
    assert waits[6:8] == [10.0, 20.0]  # 6 a minute: the 7th waits for the next token, the 8th for the one after


def test_the_bucket_refills_with_time_and_never_past_one_minutes_worth(engine):
    _spend(engine, ["bergen.test"] * 6, T0)
    assert _spend(engine, ["bergen.test"], T0) == [10.0]  # empty: nothing spent, nothing refilled
    assert _spend(engine, ["bergen.test"] * 2, T0 + timedelta(seconds=25)) == [0.0, 0.0]  # 2.5 tokens back
    later = _spend(engine, ["bergen.test"] * 7, T0 + timedelta(hours=5))
    assert later.count(0.0) == 6  # a quiet day saves no more than one minute's worth
    with transaction(engine) as session:
        tokens, updated = session.execute(select(DomainBudget.tokens, DomainBudget.updated_at)).one()
    assert tokens == 0.0 and updated == T0 + timedelta(hours=5)


def test_a_clock_that_moves_backwards_refills_nothing(engine):
    _spend(engine, ["bergen.test"] * 6, T0)
    assert _spend(engine, ["bergen.test"], T0 - timedelta(minutes=5)) == [10.0]
    assert _spend(engine, ["bergen.test"], T0 + timedelta(seconds=10)) == [0.0]


def test_two_worker_processes_share_one_domains_rate(engine, database_url, tmp_path):
    """Each process once kept its own bucket, so two workers sent twice the rate to a municipality."""
    addresses = [f"p{i}@bergen.kommune.test" for i in range(20)] + [f"p{i}@voss.kommune.test" for i in range(4)]
    queue(engine, addresses)
    started = utcnow()
    with FaultServer() as server:
        workers = [_worker(database_url, server.port, f"b{i}", tmp_path / f"w{i}", 3, 6) for i in range(2)]
        outputs = [w.communicate(timeout=300) for w in workers]
        assert all(w.returncode == 0 for w in workers), outputs
        received = dict(server.handler.message_ids)
    assert len(received) == 6 + 4 and set(received.values()) == {1}
    with transaction(engine) as session:
        waiting = session.execute(select(Message.to_address, Message.next_attempt_at, Message.attempts)
                                  .where(Message.status == "queued")).all()
    assert len(waiting) == 14 and {a.rpartition("@")[2] for a, _, _ in waiting} == {"bergen.kommune.test"}
    assert all(attempts == 0 for _, _, attempts in waiting)  # over budget is not an attempt
    assert all(when >= started + timedelta(seconds=10) for _, when, _ in waiting)  # due when a token is back
