"""Which database errors mean "another transaction was in the way, try again": the database gave
up on ours and it is rolled back, so running it again from the start can succeed.

Only errors named here qualify. Anything else (a constraint, a programming error, a dropped
connection) would fail the same way again, or leave the outcome unknown.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError

# PostgreSQL SQLSTATEs (Appendix A): the server aborts the transaction, which the caller rolls back.
TRANSIENT_SQLSTATES = {
    "40P01": "deadlock_detected",
    "40001": "serialization_failure",
    "55P03": "lock_not_available",  # lock_timeout or NOWAIT
}
# SQLite's SQLITE_BUSY, once its busy timeout has run out: another connection holds the write lock.
_SQLITE_BUSY = ("database is locked", "database is busy")


def transient_reason(exc: BaseException) -> str | None:
    """Why `exc` is worth a new attempt of its transaction ("deadlock_detected", "database is
    locked", …), or None when it is not. Takes SQLAlchemy's wrapped errors or the driver's own."""
    original = exc
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:  # the connection is gone: not a verdict on the transaction
            return None
        original = exc.orig
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)  # psycopg 3, psycopg2
    if sqlstate:
        return TRANSIENT_SQLSTATES.get(sqlstate)
    if isinstance(original, sqlite3.OperationalError):
        text = str(original).lower()
        return next((busy for busy in _SQLITE_BUSY if busy in text), None)
    return None
