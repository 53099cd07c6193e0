"""Several real worker processes, and one killed with SIGKILL: nothing lost, duplicates only counted ones."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from relay.db import transaction
from relay.delivery.claim import LEASE, sweep_expired_leases
from relay.delivery.worker import send_all
from relay.models import Message, utcnow
from tests.delivery.faults import FaultServer
from tests.delivery.helpers import queue, with_smtp

ROOT = Path(__file__).resolve().parents[2]


def _worker(database_url: str, port: int, name: str, data_dir: Path, batch: int = 20,
            domain_rate_per_minute: int = 10_000) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.delivery.worker_proc", database_url, str(port), name, str(data_dir), str(batch),
         str(domain_rate_per_minute)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _addresses(n: int) -> list[str]:
    return [f"postmottak{i}@k{i % 40:02d}.kommune.test" for i in range(n)]


def _wait_for(condition, seconds: float) -> None:
    """Poll a condition that a live process will make true; fail rather than hang."""
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("condition not reached")
        time.sleep(0.02)


def test_it_sends_each_message_once_with_two_worker_processes(engine, database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (SKIP LOCKED claims across processes): set RELAY_TEST_DATABASE_URL")
    n = 500
    queue(engine, _addresses(n))
    with FaultServer() as server:
        workers = [_worker(database_url, server.port, f"p{i}", tmp_path / f"w{i}") for i in range(2)]
        outputs = [w.communicate(timeout=300) for w in workers]
        assert all(w.returncode == 0 for w in workers), outputs
        counts = dict(server.handler.message_ids)
    assert len(counts) == n and set(counts.values()) == {1}
    assert all("sent" in out for out, _ in outputs), outputs  # both processes took a share
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).where(Message.status != "sent")) == 0
        assert set(session.scalars(select(Message.claimed_by).distinct())) == {None}


def test_it_loses_nothing_when_a_worker_is_killed_mid_batch(engine, settings, database_url, tmp_path):
    n = 200
    queue(engine, _addresses(n))
    with FaultServer(slow=0.01) as server:
        victim = _worker(database_url, server.port, "victim", tmp_path / "victim", batch=50)
        _wait_for(lambda: len(server.received) >= 60 or victim.poll() is not None, 120)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        with transaction(engine) as session:
            stranded = session.scalar(select(func.count()).where(Message.status == "sending"))
            swept = sweep_expired_leases(session=session, now=utcnow() + LEASE + timedelta(seconds=1))
        assert swept == stranded > 0, "the worker was killed with claims in hand"
        report = send_all(engine=engine, worker="restarted",
                          settings=with_smtp(settings, host="127.0.0.1", port=server.port, domain_rate_per_minute=10_000))
        counts = dict(server.handler.message_ids)
    with transaction(engine) as session:
        rows = session.execute(select(Message.message_id_header, Message.status, Message.possible_duplicates)).all()
    assert {status for _, status, _ in rows} == {"sent"}, report
    assert {mid for mid, _, _ in rows} == set(counts)  # nothing lost
    duplicated = sum(c - 1 for c in counts.values())
    counted = sum(p for _, _, p in rows)
    assert duplicated <= counted, (duplicated, counted)
    for mid, _, possible in rows:
        assert counts[mid] - 1 <= possible  # every real duplicate is a counted one, message by message
