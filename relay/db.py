"""Engine, session factory and the one place that commits: transaction()."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

_engines: dict[str, Engine] = {}


# RETURNING (3.35), UPDATE … FROM (3.33) and the JSON functions: the claim and the delivery writes use them.
SQLITE_MINIMUM = (3, 35, 0)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        if sqlite3.sqlite_version_info < SQLITE_MINIMUM:
            raise RuntimeError(f"Relay needs SQLite {'.'.join(map(str, SQLITE_MINIMUM))} or newer; this Python's "
                               f"sqlite3 module has {sqlite3.sqlite_version} (use PostgreSQL, or a newer Python)")
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # WAL lets the web read while a worker writes; busy_timeout waits for a writer
            # instead of failing at once; foreign keys are off in SQLite unless asked for.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def get_engine(url: str | None = None) -> Engine:
    if url is None:
        from relay.settings import get_settings

        url = get_settings().resolved_database_url
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False, future=True)


@contextmanager
def transaction(engine: Engine | None = None) -> Iterator[Session]:
    """Commit on success, roll back on any exception. The only place Relay commits."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_postgresql(engine_or_session) -> bool:
    bind = engine_or_session.get_bind() if isinstance(engine_or_session, Session) else engine_or_session
    return bind.dialect.name == "postgresql"
