"""`relay backup PATH` and `relay restore PATH`, for SQLite and PostgreSQL (docs/operations.md).

SQLite is copied with the online backup API: a consistent snapshot while Relay keeps running, WAL
contents included, which a file copy of relay.db would not give. PostgreSQL is dumped with
`pg_dump --format=custom` and restored with `pg_restore`; the password goes to them in PGPASSWORD,
never on a command line that `ps` shows. A restore replaces what is in the database: stop Relay first.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import Engine, make_url


class BackupError(Exception):
    pass


def _libpq(url: str) -> tuple[str, dict]:
    """A libpq URL without the password, and the environment carrying it."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _run(command: list[str], env: dict) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} not found: install the PostgreSQL client tools") from exc
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()}")


def backup(engine: Engine, target: Path) -> Path:
    """Write a backup of the database to target (a file); returns the path written."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "postgresql":
        url, env = _libpq(engine.url.render_as_string(hide_password=False))
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", f"--dbname={url}"],
             env)
        return target
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(_sqlite_path(engine))
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    os.replace(partial, target)  # a half-written file never carries the backup's name
    return target


def restore(engine: Engine, source: Path) -> None:
    """Replace the database's contents with the backup in source."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    engine.dispose()  # no pooled connection may hold the old contents open
    if engine.dialect.name == "postgresql":
        url, env = _libpq(engine.url.render_as_string(hide_password=False))
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              f"--dbname={url}", str(source)], env)
        return
    backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        try:
            verdict = backup_db.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source}: not a SQLite database ({exc})") from None
        if verdict != "ok":
            raise BackupError(f"{source}: the backup is damaged: {verdict}")
        live_path = _sqlite_path(engine)
        live_path.parent.mkdir(parents=True, exist_ok=True)
        live = sqlite3.connect(live_path)
        try:
            backup_db.backup(live)
        finally:
            live.close()
    finally:
        backup_db.close()
