"""The hot path's writes on SQLite: one statement per chunk, its rows handed over as one JSON array.

Why: an executemany steps SQLite once per row, and the sqlite3 module lets go of the interpreter
lock around every step. With the lanes' event loop busy in the other thread, each row then waits to
get the lock back: the delivery benchmark's whole run cost about 110 µs of CPU a message more than
its wire and its database measured apart (on PostgreSQL, where pgbulk.py already sends a chunk as
one statement, about 20). json_each() turns the array into rows inside SQLite: one step a
statement, and no binding row by row in Python. The same functions as pgbulk.py, so transitions.py
picks one module by dialect. Times are bound once per statement as UtcDateTime, so what is stored
is byte for byte what the ORM stores; evidence is serialised as SQLAlchemy's JSON type does
(json.dumps), and handed over as a JSON string so SQLite stores that text unchanged.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from relay.models.base import UtcDateTime


def _statement(sql: str):
    times = [bindparam(name, type_=UtcDateTime()) for name in ("now", "lease_until") if f":{name}" in sql]
    return text(sql).bindparams(*times)


# json_each(:rows) gives one row per element of the array; json_extract(value, '$[i]') its i-th value.
# Every write starts with its verb, never WITH: Python's sqlite3 opens the transaction only before a
# statement that starts INSERT, UPDATE, DELETE or REPLACE, so one that starts WITH runs, and commits,
# on its own (a group commit test caught it: half a failed group stayed written). "+status" keeps the
# planner off ix_message_due (status, …): it would walk every message being sent, by every worker,
# for each chunk (EXPLAIN QUERY PLAN), where a primary-key lookup per row is what is wanted.
_START = _statement("""
UPDATE message SET attempts = attempts + 1, lease_until = :lease_until
WHERE id IN (SELECT value FROM json_each(:ids)) AND +status = 'sending' AND claimed_by = :worker
""")

# One row whatever the chunk's size: RETURNING would step (and hand the interpreter lock over) per row.
_STARTED = text("""
SELECT json_group_array(json_array(id, attempts)) FROM message
WHERE id IN (SELECT value FROM json_each(:ids)) AND +status = 'sending' AND claimed_by = :worker
""")

_CLOSE_STALE = _statement("""
UPDATE attempt SET outcome = 'retry', finished_at = :now, reply = :interrupted
WHERE message_id IN (SELECT value FROM json_each(:ids)) AND outcome = 'started'
RETURNING message_id
""")

_INSERT_ATTEMPTS = _statement("""
INSERT INTO attempt (message_id, number, worker, started_at, outcome)
SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), :worker, :now, 'started' FROM json_each(:rows)
""")

_FINISH = _statement("""
UPDATE attempt SET outcome = v.outcome, finished_at = :now, reply = v.reply
FROM (SELECT json_extract(value, '$[0]') AS m, json_extract(value, '$[1]') AS n,
             json_extract(value, '$[2]') AS outcome, json_extract(value, '$[3]') AS reply
      FROM json_each(:rows)) AS v
WHERE attempt.message_id = v.m AND attempt.number = v.n
""")

_COUNT_REAL_DUPLICATES = text("""
UPDATE message SET possible_duplicates = possible_duplicates + 1
WHERE id IN (SELECT value FROM json_each(:ids)) AND status NOT IN ('queued', 'sending')
""")

_MARK_SENT = _statement("""
UPDATE message SET status = 'sent', sent_at = :now, last_reply = v.last_reply, queue_id = v.queue_id,
    remote_host = v.remote_host, claimed_by = NULL, lease_until = NULL
FROM (SELECT json_extract(value, '$[0]') AS m, json_extract(value, '$[1]') AS last_reply,
             json_extract(value, '$[2]') AS queue_id, json_extract(value, '$[3]') AS remote_host
      FROM json_each(:rows)) AS v
WHERE message.id = v.m AND +message.status IN ('queued', 'sending')
""")

# "WHERE true": without it SQLite would read ON CONFLICT as part of the SELECT's join (a documented quirk).
_INSERT_EVENTS = _statement("""
INSERT INTO receipt_event (dedupe_key, kind, occurred_at, message_id, contact_id, evidence)
SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), :now, json_extract(value, '$[2]'),
       json_extract(value, '$[3]'), json_extract(value, '$[4]')
FROM json_each(:rows) WHERE true
ON CONFLICT (dedupe_key) DO NOTHING
""")


def start_attempts(connection: Connection, *, ids: list[int], worker: str, now: datetime, lease_until: datetime,
                   interrupted: str) -> list[tuple[int, int, int]]:
    """(message id, attempt number, attempts it found left 'started') for each message still ours."""
    chunk = {"ids": json.dumps(ids), "worker": worker}
    connection.execute(_START, {**chunk, "lease_until": lease_until})
    ours = json.loads(connection.execute(_STARTED, chunk).scalar_one())
    if not ours:
        return []
    stale = Counter(connection.execute(_CLOSE_STALE, {"ids": json.dumps([m for m, _ in ours]), "now": now,
                                                      "interrupted": interrupted}).scalars())
    connection.execute(_INSERT_ATTEMPTS, {"rows": json.dumps(ours), "worker": worker, "now": now})
    return [(m, n, stale.get(m, 0)) for m, n in ours]


def finish_attempts(connection: Connection, rows: list[dict], now: datetime) -> None:
    connection.execute(_FINISH, {"now": now, "rows": _rows(rows, ("m", "n", "outcome", "reply"))})


def mark_sent(connection: Connection, rows: list[dict], now: datetime) -> None:
    """'sent' for each row's message. One that was no longer queued or sending had been sent by another
    attempt already: this one was a real duplicate, and is counted first (the update makes it 'sent')."""
    connection.execute(_COUNT_REAL_DUPLICATES, {"ids": json.dumps([row["m"] for row in rows])})
    connection.execute(_MARK_SENT, {"now": now, "rows": _rows(rows, ("m", "last_reply", "queue_id", "remote_host"))})


def insert_events(connection: Connection, rows: list[dict], now: datetime) -> None:
    """Insert-or-nothing by dedupe key; every row's occurred_at is `now`."""
    connection.execute(_INSERT_EVENTS, {"now": now, "rows": _array([
        [row["dedupe_key"], row["kind"], row["message_id"], row["contact_id"], json.dumps(row["evidence"])]
        for row in rows])})


def _rows(rows: list[dict], names: tuple[str, ...]) -> str:
    return _array([[row[name] for name in names] for row in rows])


def _array(rows: list[list]) -> str:
    """ensure_ascii=False: text goes in as itself, so a lone surrogate fails at the bind, loudly, as an
    executemany's would, instead of being stored as bytes SQLite cannot read back. (A NUL would still be
    cut; replies are made storable before they get here: policy.readable.)"""
    return json.dumps(rows, ensure_ascii=False)
