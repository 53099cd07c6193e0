"""Short leases with heartbeats: a live worker keeps its claims, a dead one's go to the next claim."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from relay.db import transaction
from relay.delivery.claim import LEASE, claim_due, renew_leases, sweep_expired_leases
from relay.delivery.heartbeat import Heartbeat
from relay.delivery.transitions import start_attempts
from relay.delivery.worker import send_all
from relay.models import Attempt, Message, utcnow
from tests.delivery.faults import FaultServer
from tests.delivery.helpers import queue, with_smtp
from tests.delivery.test_processes import _wait_for

T0 = utcnow().replace(microsecond=0)
ROOT = Path(__file__).resolve().parents[2]


def _leases(engine, worker: str) -> set:
    with transaction(engine) as session:
        return set(session.scalars(select(Message.lease_until).where(Message.claimed_by == worker)))


def test_renewal_extends_only_the_workers_own_claims(engine):
    queue(engine, [f"p{i}@voss.test" for i in range(4)], now=T0)
    with transaction(engine) as session:
        claim_due(session=session, worker="alive", now=T0, batch=2)
        claim_due(session=session, worker="other", now=T0, batch=2)
    with transaction(engine) as session:
        assert renew_leases(session=session, worker="alive", now=T0 + timedelta(seconds=20)) == 2
    assert _leases(engine, "alive") == {T0 + timedelta(seconds=20) + LEASE}
    assert _leases(engine, "other") == {T0 + LEASE}
    with transaction(engine) as session:  # one lease after the claim: only the silent worker's lapse
        assert sweep_expired_leases(session=session, now=T0 + LEASE + timedelta(seconds=1)) == 2
    assert _leases(engine, "alive") == {T0 + timedelta(seconds=20) + LEASE}


async def test_the_heartbeat_renews_while_the_worker_works(engine, settings):
    queue(engine, [f"p{i}@voss.test" for i in range(3)], now=T0)
    with transaction(engine) as session:
        claim_due(session=session, worker="w", now=T0, batch=10)
    ticks = (T0 + timedelta(seconds=10 * k) for k in itertools.count(1))  # each beat 10 s later
    fast = with_smtp(settings, heartbeat_seconds=0.02)
    async with Heartbeat(engine, worker="w", settings=fast, clock=lambda: next(ticks)) as beat:
        while beat.beats < 3:
            await asyncio.sleep(0.01)
    # Held for 30 s and more, one lease: without renewals a sweep now would take all three.
    assert min(_leases(engine, "w")) >= T0 + timedelta(seconds=30) + LEASE
    with transaction(engine) as session:
        assert sweep_expired_leases(session=session, now=T0 + LEASE + timedelta(seconds=1)) == 0


def test_a_plain_send_takes_over_expired_claims_and_counts_possible_duplicates(engine, settings):
    """`relay send` (no loop, no scheduler) sweeps before it claims."""
    ids = queue(engine, [f"p{i}@voss.test" for i in range(5)], now=T0)
    with transaction(engine) as session:
        claim_due(session=session, worker="dead", now=T0, batch=10)
        start_attempts(session=session, message_ids=ids[:2], worker="dead", now=T0)  # these may have gone out
    with FaultServer() as server:
        report = send_all(engine=engine, worker="cli", now=T0 + LEASE + timedelta(seconds=1),
                          settings=with_smtp(settings, host="127.0.0.1", port=server.port))
    assert (report.taken_over, report.sent, report.possible_duplicates) == (5, 5, 2)
    with transaction(engine) as session:
        assert session.scalar(select(func.sum(Message.possible_duplicates))) == 2


def _relay_worker(database_url: str, port: int, data_dir: Path, *, lease: float, batch: int) -> subprocess.Popen:
    """`relay worker --loop` as an operator runs it, configured through the environment."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RELAY_DATABASE_URL": database_url, "RELAY_DATA_DIR": str(data_dir),
           "RELAY_SECRET_KEY": "test-signing-key-not-secret", "RELAY_SCHEDULER": "false",
           "RELAY_SMTP__HOST": "127.0.0.1", "RELAY_SMTP__PORT": str(port), "RELAY_SMTP__CONCURRENCY": "2",
           "RELAY_SMTP__DOMAIN_RATE_PER_MINUTE": "100000", "RELAY_SMTP__LEASE_SECONDS": str(lease),
           "RELAY_SMTP__HEARTBEAT_SECONDS": str(lease / 5)}
    return subprocess.Popen([sys.executable, "-c", "from relay.cli import main; main()", "worker", "--loop",
                             "--idle", "0.2", "--batch", str(batch)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_a_killed_workers_messages_are_sent_by_the_other_within_one_lease(engine, database_url, tmp_path):
    n, lease = 120, 5.0
    ids = queue(engine, [f"postmottak{i}@k{i % 12:02d}.kommune.test" for i in range(n)])
    with FaultServer(slow=0.03) as server:
        victim = _relay_worker(database_url, server.port, tmp_path / "victim", lease=lease, batch=60)
        _wait_for(lambda: len(server.handler.received) >= 10 or victim.poll() is not None, 60)
        survivor = _relay_worker(database_url, server.port, tmp_path / "survivor", lease=lease, batch=60)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        killed = time.monotonic()
        victim_name = f"worker:{socket.gethostname()}:{victim.pid}"
        with transaction(engine) as session:
            stranded = set(session.scalars(select(Message.id).where(Message.claimed_by == victim_name)))
        assert stranded, "the worker was killed with claims in hand"

        def all_sent() -> bool:
            with transaction(engine) as session:
                return session.scalar(select(func.count()).where(Message.status != "sent")) == 0

        _wait_for(all_sent, lease + 15)  # the goal: a 30 s lease, everything sent within 45 s
        taken_over_after = time.monotonic() - killed
        survivor.send_signal(signal.SIGTERM)
        out, err = survivor.communicate(timeout=60)
        counts = dict(server.handler.message_ids)
    assert survivor.returncode == 0, err[-2000:]
    assert "taken over" in out, out
    with transaction(engine) as session:
        rows = session.execute(select(Message.id, Message.message_id_header, Message.possible_duplicates)).all()
        finishers = dict(session.execute(select(Attempt.message_id, Attempt.worker)
                                         .where(Attempt.outcome == "sent")).all())
    assert len(rows) == len(ids) and {mid for _, mid, _ in rows} == set(counts)  # nothing lost
    assert all(finishers[i] != victim_name for i in stranded)  # the survivor finished what the victim held
    for _, mid, possible in rows:
        assert counts[mid] - 1 <= possible  # every real duplicate was counted as possible
    assert taken_over_after <= lease + 15
