"""sqlitebulk.py: a chunk's writes as one statement each on SQLite, stored as the ORM stores them,
and looked up by primary key, not by walking the index of everything being sent."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text

from relay.db import transaction
from relay.delivery import sqlitebulk
from relay.delivery.claim import claim_due
from relay.delivery.policy import Verdict
from relay.delivery.transitions import Outcome, record_outcomes, start_attempts
from relay.models import ReceiptEvent, utcnow
from tests.delivery.helpers import queue

T0 = utcnow().replace(microsecond=123456)
STATEMENTS = ("_START", "_STARTED", "_CLOSE_STALE", "_INSERT_ATTEMPTS", "_FINISH", "_COUNT_REAL_DUPLICATES",
              "_MARK_SENT", "_INSERT_EVENTS")


@pytest.fixture
def sqlite_engine(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's statements; PostgreSQL has its own (pgbulk.py)")
    return engine


def test_what_a_chunk_writes_is_stored_as_the_orm_stores_it(sqlite_engine):
    engine = sqlite_engine
    ids = queue(engine, ["a@voss.test", "b@voss.test"], now=T0)
    later = T0 + timedelta(seconds=5)
    with transaction(engine) as session:
        claim_due(session=session, worker="w", now=T0, batch=10)
        start_attempts(session=session, message_ids=ids, worker="w", now=T0)
    with transaction(engine) as session:
        record_outcomes(session=session, worker="w", now=later, outcomes=[
            Outcome(m, 1, Verdict("sent", "250 2.0.0 Ok: queued as Qæ", queue_id="Qæ", host="mx"), None,
                    T0 + timedelta(hours=72)) for m in ids])
        # Written through the ORM, for comparison: a receipt event with the same kind of evidence.
        session.add(ReceiptEvent(dedupe_key="orm", kind="accepted", occurred_at=later, message_id=ids[0],
                                 evidence={"reply": "250 2.0.0 Ok: queued as Qæ", "queue_id": "Qæ", "host": "mx"}))
    with engine.connect() as connection:
        created, sent = connection.execute(text("SELECT created_at, sent_at FROM message WHERE id = :m"),
                                           {"m": ids[0]}).one()
        started, finished = connection.execute(text("SELECT started_at, finished_at FROM attempt WHERE message_id = :m"),
                                               {"m": ids[0]}).one()
        events = dict(connection.execute(text("SELECT dedupe_key, evidence FROM receipt_event")).all())
        orm_time, bulk_time = (connection.scalar(text("SELECT occurred_at FROM receipt_event WHERE dedupe_key = :k"),
                                                 {"k": key}) for key in ("orm", f"accepted:{ids[0]}"))
    assert created == started  # enqueue (ORM) and the bulk start stored T0 alike
    assert len(sent) == len(created) and sent == finished == bulk_time == orm_time
    assert events[f"accepted:{ids[0]}"] == events["orm"]
    assert json.loads(events["orm"])["queue_id"] == "Qæ"


def test_each_statement_finds_its_rows_by_key_not_by_walking_what_is_being_sent(sqlite_engine):
    """With the planner free to choose, UPDATE … status = 'sending' walked ix_message_due: every
    message in flight, for every chunk, and for MARK_SENT once per row of the chunk."""
    with sqlite_engine.connect() as connection:
        for name in STATEMENTS:
            sql = str(getattr(sqlitebulk, name))
            plan = [row[-1] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"), {
                "rows": "[]", "ids": "[]", "now": None, "lease_until": None, "worker": "w", "interrupted": ""})]
            walks = [step for step in plan if step.startswith("SCAN") and "json_each" not in step]
            assert not walks and not any("ix_message_due" in step for step in plan), (name, plan)


def test_text_the_database_could_not_read_back_fails_loudly_instead_of_being_stored(sqlite_engine):
    """policy.readable cleans every reply first; this is the guard behind it. Through JSON a lone
    surrogate would have been stored as bytes that no later read can decode."""
    with transaction(sqlite_engine) as session, pytest.raises(UnicodeEncodeError):
        sqlitebulk.finish_attempts(session.connection(), [{"m": 1, "n": 1, "outcome": "sent",
                                                           "reply": "250 Troms\udcf8"}], T0)


def test_an_sqlite_too_old_for_the_delivery_statements_is_refused_with_the_reason(monkeypatch, tmp_path):
    import sqlite3

    from relay.db import make_engine

    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))  # Ubuntu 20.04's, say
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.31.1")
    with pytest.raises(RuntimeError, match=r"needs SQLite 3\.35\.0 or newer; .* has 3\.31\.1"):
        make_engine(f"sqlite:///{tmp_path / 'old.db'}")
