"""The recorder runs a group's transaction again when another transaction was in its way, and only then.

The contention is real: a second connection holds a lock the group needs (a row lock on
PostgreSQL, met with a short lock_timeout; the write lock on SQLite, met with a short busy
timeout) and lets go when the recorder logs its first retry.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from relay.db import transaction
from relay.delivery.claim import claim_due
from relay.delivery.policy import Verdict
from relay.delivery.recorder import ATTEMPTS, Recorder, Sent, Settle
from relay.delivery.transient import transient_reason
from relay.delivery.transitions import Outcome, Started, start_attempts
from relay.models import Attempt, Message, ReceiptEvent, utcnow
from tests.delivery.helpers import queue

T0 = utcnow().replace(microsecond=0)
SENT = Verdict("sent", "250 2.0.0 Ok: queued as Q1", queue_id="Q1")
DEFERRED = Verdict("retry", "451 4.3.0 Try again later", "transient")
NO_SUCH_CONTACT = 424242


def _postgresql(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def _claimed(engine, n: int) -> list[int]:
    """n messages claimed by worker w; all but the last with attempt 1 started."""
    ids = queue(engine, [f"postmottak@k{i}.kommune.test" for i in range(n)], now=T0)
    with transaction(engine) as session:
        claim_due(session=session, worker="w", now=T0, batch=n)
        start_attempts(session=session, message_ids=ids[:-1], worker="w", now=T0)
    return ids


def _outcome(message_id: int, verdict: Verdict) -> Outcome:
    return Outcome(message_id, 1, verdict, None, T0 + timedelta(hours=72))


def _two_lanes(ids: list[int]) -> list[Settle]:
    """Lane one records m0 (sent) and m1 (deferred); lane two records m2 (sent) and starts m3."""
    m0, m1, m2, m3 = ids
    return [Settle(Sent([_outcome(m0, SENT), _outcome(m1, DEFERRED)], []), []),
            Settle(Sent([_outcome(m2, SENT)], []), [m3])]


async def _settle_together(recorder: Recorder, requests: list[Settle]) -> list:
    """Both lanes ask before the recorder's task runs, so they share one group (one transaction)."""
    return await asyncio.gather(*(recorder.settle(r) for r in requests), return_exceptions=True)


def _recorder(engine, settings) -> Recorder:
    return Recorder(engine, worker="w", clock=lambda: T0 + timedelta(seconds=5), rng=random.Random(7),
                    settings=settings)


class _Retries(logging.Handler):
    def __init__(self, on_first=None):
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.on_first = on_first

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == "group commit retried":
            self.records.append(record)
            if len(self.records) == 1 and self.on_first:
                self.on_first()


@contextmanager
def _watching_retries(on_first=None):
    """The recorder's retry log lines; on_first runs at the first, before the recorder sleeps."""
    logger = logging.getLogger("relay.delivery")
    handler, level = _Retries(on_first), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@contextmanager
def _counting_transactions(engine):
    began: list[bool] = []

    def count(_connection) -> None:
        began.append(True)

    event.listen(engine, "begin", count)
    try:
        yield began
    finally:
        event.remove(engine, "begin", count)


@contextmanager
def _lock_held(engine, database_url: str, message_id: int):
    """A second connection holding a lock the group's writes need, and an engine for the recorder
    that stops waiting for it after 0.2 s. Yields (that engine, a function that lets go)."""
    if _postgresql(database_url):
        contended = create_engine(database_url, connect_args={"options": "-c lock_timeout=200"})
        holder = engine.connect()
        holder.execute(text("SELECT id FROM message WHERE id = :id FOR UPDATE"), {"id": message_id})
        release, close = holder.rollback, holder.close
    else:
        contended = create_engine(database_url, connect_args={"timeout": 0.2, "check_same_thread": False})
        holder = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # SQLite's write lock, for the whole database

        def release() -> None:
            if holder.in_transaction:
                holder.execute("ROLLBACK")
        close = holder.close
    try:
        yield contended, release
    finally:
        release()
        close()
        contended.dispose()


def _rows(engine):
    with transaction(engine) as session:
        messages = {m.id: (m.status, m.attempts) for m in session.scalars(select(Message))}
        attempts = sorted((a.message_id, a.number, a.outcome) for a in session.scalars(select(Attempt)))
        events = sorted((e.kind, e.message_id) for e in session.scalars(select(ReceiptEvent)))
    return messages, attempts, events


async def test_it_runs_the_group_again_when_another_transaction_holds_a_lock_it_needs(engine, database_url,
                                                                                      settings):
    ids = _claimed(engine, 4)
    m0, m1, m2, m3 = ids
    with _lock_held(engine, database_url, m0) as (contended, release), _watching_retries(release) as retries, \
            _counting_transactions(contended) as began:
        answers = await _settle_together(_recorder(contended, settings), _two_lanes(ids))
    assert [r.reason for r in retries] == ["lock_not_available" if _postgresql(database_url) else "database is locked"]
    assert (retries[0].attempt, retries[0].lanes, retries[0].worker) == (1, 2, "w")
    assert len(began) == 2
    first, second = answers  # every lane's request succeeded
    assert (first.statuses, first.started) == ({m0: "sent", m1: "queued"}, {})
    assert (second.statuses, second.started) == ({m2: "sent"}, {m3: Started(1, 0)})
    messages, attempts, events = _rows(engine)
    # Written once: the first run's writes (m3's attempt count among them) were rolled back.
    assert messages == {m0: ("sent", 1), m1: ("queued", 1), m2: ("sent", 1), m3: ("sending", 1)}
    assert attempts == [(m0, 1, "sent"), (m1, 1, "retry"), (m2, 1, "sent"), (m3, 1, "started")]
    assert events == sorted([("accepted", m0), ("deferred", m1), ("accepted", m2)])


async def test_it_gives_up_after_the_last_attempt_and_every_lane_learns_it(engine, database_url, settings):
    ids = _claimed(engine, 4)
    with _lock_held(engine, database_url, ids[0]) as (contended, _release), _watching_retries() as retries, \
            _counting_transactions(contended) as began:
        answers = await _settle_together(_recorder(contended, settings), _two_lanes(ids))
    assert [r.attempt for r in retries] == list(range(1, ATTEMPTS))
    assert len(began) == ATTEMPTS
    assert answers[0] is answers[1] and isinstance(answers[0], OperationalError)
    assert transient_reason(answers[0]) is not None
    assert _rows(engine)[0] == {ids[0]: ("sending", 1), ids[1]: ("sending", 1), ids[2]: ("sending", 1),
                                ids[3]: ("sending", 0)}


async def test_it_does_not_run_the_group_again_after_an_error_that_would_come_again(engine, settings):
    ids = _claimed(engine, 4)
    m0, m1, m2, m3 = ids
    with transaction(engine) as session:  # m3 has an attempt 1 its row does not count: starting it collides
        session.add(Attempt(message_id=m3, number=1, worker="w", started_at=T0, outcome="retry"))
    with _watching_retries() as retries, _counting_transactions(engine) as began:
        answers = await _settle_together(_recorder(engine, settings), _two_lanes(ids))
    assert retries == [] and len(began) == 1
    assert answers[0] is answers[1] and isinstance(answers[0], IntegrityError)  # both lanes hear of it
    assert _rows(engine) == ({m0: ("sending", 1), m1: ("sending", 1), m2: ("sending", 1), m3: ("sending", 0)},
                             [(m0, 1, "started"), (m1, 1, "started"), (m2, 1, "started"), (m3, 1, "retry")], [])


async def test_it_never_runs_the_group_again_after_the_commit_failed(engine, database_url, settings):
    if not _postgresql(database_url):
        pytest.skip("needs PostgreSQL: a deferred constraint trigger makes the COMMIT itself fail")
    ids = _claimed(engine, 4)
    with engine.begin() as connection:
        connection.execute(text("""
            CREATE FUNCTION relay_test_fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'refused at commit' USING ERRCODE = 'deadlock_detected'; END $$"""))
        connection.execute(text("""
            CREATE CONSTRAINT TRIGGER relay_test_fail_at_commit AFTER UPDATE ON attempt
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION relay_test_fail_at_commit()"""))
    try:
        with _watching_retries() as retries, _counting_transactions(engine) as began:
            answers = await _settle_together(_recorder(engine, settings), _two_lanes(ids))
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TRIGGER relay_test_fail_at_commit ON attempt"))
            connection.execute(text("DROP FUNCTION relay_test_fail_at_commit()"))
    # The error reads as a deadlock, but came from the COMMIT: it is not run again.
    assert transient_reason(answers[0]) == "deadlock_detected" and answers[0] is answers[1]
    assert retries == [] and len(began) == 1


# transient_reason on errors the databases really raised.

def _raised(run) -> BaseException:
    with pytest.raises(Exception) as caught:  # noqa: B017 - the error itself is what is examined
        run()
    return caught.value


def test_sqlite_busy_is_transient_and_other_sqlite_errors_are_not(tmp_path):
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (k INTEGER PRIMARY KEY)")
    holder.execute("INSERT INTO t VALUES (1)")
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, timeout=0, isolation_level=None)
    wrapped = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    try:
        assert transient_reason(_raised(lambda: waiter.execute("BEGIN IMMEDIATE"))) == "database is locked"
        with wrapped.connect() as connection:
            busy = _raised(lambda: connection.execute(text("INSERT INTO t VALUES (2)")))
        assert isinstance(busy, OperationalError) and transient_reason(busy) == "database is locked"
        holder.execute("ROLLBACK")
        with wrapped.connect() as connection:
            assert transient_reason(_raised(lambda: connection.execute(text("SELECT * FROM nope")))) is None
            assert transient_reason(_raised(lambda: connection.execute(text("INSERT INTO t VALUES (1)")))) is None
        assert transient_reason(_raised(lambda: int("x"))) is None
    finally:
        wrapped.dispose()
        waiter.close()
        holder.close()


def test_postgresql_contention_is_transient_and_other_errors_are_not(engine, database_url):
    if not _postgresql(database_url):
        pytest.skip("needs PostgreSQL (deadlocks, serialization failures, lock_timeout): set RELAY_TEST_DATABASE_URL")
    a, b = _claimed(engine, 2)
    lock = text("SELECT id FROM message WHERE id = :id FOR UPDATE")
    with engine.connect() as holder, engine.connect() as other:
        holder.execute(lock, {"id": a})
        nowait = _raised(lambda: other.execute(text("SELECT id FROM message WHERE id = :id FOR UPDATE NOWAIT"),
                                               {"id": a}))
        assert transient_reason(nowait) == "lock_not_available"
        assert transient_reason(nowait.orig) == "lock_not_available"  # the driver's own error too
        holder.rollback()
        other.rollback()
    assert transient_reason(_serialization_failure(engine, a)) == "serialization_failure"
    assert transient_reason(_deadlock(engine, a, b)) == "deadlock_detected"
    with engine.connect() as connection:
        assert transient_reason(_raised(lambda: connection.execute(text("SELECT * FROM nope")))) is None
    with engine.connect() as connection:
        violation = _raised(lambda: connection.execute(
            text("INSERT INTO receipt_event (dedupe_key, kind, occurred_at, contact_id, evidence) "
                 "VALUES ('k', 'accepted', now(), :c, '{}')"), {"c": NO_SUCH_CONTACT}))
        assert isinstance(violation, IntegrityError) and transient_reason(violation) is None
    assert transient_reason(_dropped_connection(engine)) is None


def _serialization_failure(engine, message_id: int) -> BaseException:
    """A REPEATABLE READ transaction updating a row another transaction changed since its snapshot."""
    bump = text("UPDATE message SET attempts = attempts + 1 WHERE id = :id")
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as reader, \
            engine.connect() as writer:
        reader.execute(text("SELECT attempts FROM message WHERE id = :id"), {"id": message_id})
        writer.execute(bump, {"id": message_id})
        writer.commit()
        return _raised(lambda: reader.execute(bump, {"id": message_id}))


def _deadlock(engine, a: int, b: int) -> DBAPIError:
    """Two transactions each holding one row and asking for the other's; the server picks a victim."""
    lock = text("SELECT id FROM message WHERE id = :id FOR UPDATE")
    errors: list[DBAPIError] = []
    first, second = engine.connect(), engine.connect()

    def cross(connection, mine: int, theirs: int) -> None:
        try:
            connection.execute(lock, {"id": theirs})
        except DBAPIError as exc:
            errors.append(exc)
        finally:
            connection.rollback()  # the victim lets go, so the other one finishes

    try:
        for connection, mine in ((first, a), (second, b)):
            connection.execute(text("SET LOCAL deadlock_timeout = '50ms'"))
            connection.execute(lock, {"id": mine})
        thread = threading.Thread(target=cross, args=(first, a, b))
        thread.start()
        cross(second, b, a)
        thread.join(timeout=30)
    finally:
        first.close()
        second.close()
    assert len(errors) == 1, errors
    return errors[0]


def _dropped_connection(engine) -> BaseException:
    with engine.connect() as victim, engine.connect() as killer:
        pid = victim.execute(text("SELECT pg_backend_pid()")).scalar_one()
        killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return _raised(lambda: victim.execute(text("SELECT 1")))
