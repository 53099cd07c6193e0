"""The hot path's writes on PostgreSQL: one set-based statement per chunk instead of one per row.

An executemany over psycopg's pipeline costs one round trip but still one statement per row on
the server; with the delivery benchmark's group commits (up to a hundred rows) those made most
of a transaction's time. unnest() turns the rows into one relation, so the server plans and
runs each statement once. sqlitebulk.py does the same on SQLite, with a JSON array for the rows.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from relay.models.base import UtcDateTime

# "status || ''" keeps the planner off ix_message_due (status, next_attempt_at): during a drain its
# statistics say few rows are queued or sending, and it scanned thousands of index entries where a
# primary-key lookup per row takes a twentieth of the time (EXPLAIN ANALYZE, delivery benchmark).
_OURS = "(message.status || '')"


def _statement(statement: str):
    """text() with {ours} filled in and the times bound as UtcDateTime (aware UTC, as the models store)."""
    statement = statement.replace("{ours}", _OURS)
    return text(statement).bindparams(*(bindparam(name, type_=UtcDateTime()) for name in ("now", "lease_until")
                                        if f":{name}" in statement))


_START = _statement("""
WITH started AS (
    UPDATE message SET attempts = attempts + 1, lease_until = :lease_until
    WHERE id = ANY(CAST(:ids AS integer[])) AND {ours} = 'sending' AND claimed_by = :worker
    RETURNING id, attempts
), stale AS (
    UPDATE attempt SET outcome = 'retry', finished_at = :now, reply = :interrupted
    WHERE message_id IN (SELECT id FROM started) AND outcome = 'started'
    RETURNING message_id
), inserted AS (
    INSERT INTO attempt (message_id, number, worker, started_at, outcome)
    SELECT id, attempts, :worker, :now, 'started' FROM started
)
SELECT s.id, s.attempts, (SELECT count(*) FROM stale WHERE stale.message_id = s.id) FROM started AS s
""")

_FINISH = _statement("""
UPDATE attempt SET outcome = v.outcome, finished_at = :now, reply = v.reply
FROM unnest(CAST(:m AS integer[]), CAST(:n AS integer[]), CAST(:outcome AS text[]), CAST(:reply AS text[]))
     AS v(m, n, outcome, reply)
WHERE attempt.message_id = v.m AND attempt.number = v.n
""")

_MARK_SENT = _statement("""
UPDATE message SET status = 'sent', sent_at = :now, last_reply = v.last_reply, queue_id = v.queue_id,
    remote_host = v.remote_host, claimed_by = NULL, lease_until = NULL
FROM unnest(CAST(:m AS integer[]), CAST(:last_reply AS text[]), CAST(:queue_id AS text[]),
            CAST(:remote_host AS text[])) AS v(m, last_reply, queue_id, remote_host)
WHERE message.id = v.m AND {ours} IN ('queued', 'sending')
RETURNING message.id
""")

_COUNT_REAL_DUPLICATES = text("""
UPDATE message SET possible_duplicates = possible_duplicates + 1
WHERE id = ANY(CAST(:m AS integer[])) AND status NOT IN ('queued', 'sending')
""")

_INSERT_EVENTS = _statement("""
INSERT INTO receipt_event (dedupe_key, kind, occurred_at, message_id, contact_id, evidence)
SELECT v.dedupe_key, v.kind, :now, v.message_id, v.contact_id, CAST(v.evidence AS json)
FROM unnest(CAST(:dedupe_key AS text[]), CAST(:kind AS text[]), CAST(:message_id AS integer[]),
            CAST(:contact_id AS integer[]), CAST(:evidence AS text[]))
     AS v(dedupe_key, kind, message_id, contact_id, evidence)
ON CONFLICT (dedupe_key) DO NOTHING
""")


_SAVE_BUDGETS = text("""
INSERT INTO domain_budget (domain, tokens, updated_at)
SELECT * FROM unnest(CAST(:domain AS text[]), CAST(:tokens AS float8[]), CAST(:updated_at AS timestamptz[]))
ON CONFLICT (domain) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at
""")


def start_attempts(connection: Connection, *, ids: list[int], worker: str, now: datetime, lease_until: datetime,
                   interrupted: str) -> list[tuple[int, int, int]]:
    """(message id, attempt number, attempts it found left 'started') for each message still ours."""
    rows = connection.execute(_START, {"ids": ids, "worker": worker, "now": now, "lease_until": lease_until,
                                       "interrupted": interrupted})
    return [tuple(row) for row in rows]


def finish_attempts(connection: Connection, rows: list[dict], now: datetime) -> None:
    connection.execute(_FINISH, {"now": now, **_columns(rows, ("m", "n", "outcome", "reply"))})


def mark_sent(connection: Connection, rows: list[dict], now: datetime) -> None:
    """'sent' for each row's message. One that was no longer queued or sending had been sent by
    another attempt already: this one was a real duplicate, and is counted (seldom a second statement)."""
    marked = set(connection.execute(
        _MARK_SENT, {"now": now, **_columns(rows, ("m", "last_reply", "queue_id", "remote_host"))}).scalars())
    others = [row["m"] for row in rows if row["m"] not in marked]
    if others:
        connection.execute(_COUNT_REAL_DUPLICATES, {"m": others})


def insert_events(connection: Connection, rows: list[dict], now: datetime) -> None:
    """Insert-or-nothing by dedupe key; every row's occurred_at is `now`."""
    columns = _columns(rows, ("dedupe_key", "kind", "message_id", "contact_id"))
    columns["evidence"] = [json.dumps(row["evidence"]) for row in rows]
    connection.execute(_INSERT_EVENTS, {"now": now, **columns})


def _columns(rows: list[dict], names: tuple[str, ...]) -> dict[str, list]:
    return {name: [row[name] for row in rows] for name in names}


def save_budgets(connection: Connection, rows: list[dict]) -> None:
    """The domain buckets a claim spent (budget.py), new and known alike, in one statement."""
    connection.execute(_SAVE_BUDGETS, _columns(rows, ("domain", "tokens", "updated_at")))
