"""Backup and restore find every row again (SQLite and PostgreSQL); an old database upgrades through
every migration with its data; the last migration downgrades."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from relay import migrate
from relay.db import make_engine
from relay.ops.backup import BackupError, backup, restore
from tests.ops.tables import fill_every_table, read_every_table, reflect


def _wipe(engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        engine.dispose()
        path = engine.url.database
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)


@pytest.fixture
def live(engine, tmp_path):
    """SQLite: a fresh migrated file of its own. PostgreSQL: the test database (emptied afterwards)."""
    if engine.dialect.name == "postgresql":
        yield engine
        if not migrate.is_current(engine):  # a failed restore: put the schema back for the next tests
            _wipe(engine)
            migrate.upgrade(engine)
        return
    own = make_engine(f"sqlite:///{tmp_path / 'live.db'}")
    migrate.upgrade(own)
    yield own
    own.dispose()


def test_it_backs_up_wipes_restores_and_finds_every_row(live, tmp_path):
    with live.begin() as connection:
        metadata = reflect(connection)
        before = fill_every_table(connection, metadata)
    assert all(before[name] for name in before), [name for name in before if not before[name]]
    assert len(before) > 30  # every table, alembic_version included
    archive = backup(live, tmp_path / "backups" / "relay.backup")
    assert archive.stat().st_size > 0
    _wipe(live)
    restore(live, archive)
    with live.connect() as connection:
        assert read_every_table(connection, metadata) == before
    assert migrate.is_current(live)


def test_restore_refuses_what_is_not_a_backup(live, tmp_path):
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError):
        restore(live, junk)
    with pytest.raises(BackupError):
        restore(live, tmp_path / "missing.backup")


def test_an_old_database_upgrades_through_every_migration_with_its_data(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0001")
    with engine.begin() as connection:
        old = reflect(connection)
        before = fill_every_table(connection, old)
    mime_at = [c.name for c in old.tables["message"].columns].index("mime")
    migrate.upgrade(engine)  # what `relay init` runs
    assert migrate.is_current(engine)
    with engine.connect() as connection:
        new = reflect(connection)
        after = read_every_table(connection, new)
    before.pop("alembic_version"), after.pop("alembic_version")
    # 0009 moved message.mime into message_body: the same bytes, beside the same message.
    moved = [(row[0], row[mime_at]) for row in before["message"]]
    before["message"] = [row[:mime_at] + row[mime_at + 1:] for row in before["message"]]
    assert after.pop("message_body") == moved == [(1, b"\x00bytes")]
    assert _as_of(after, new, old) == before


def _as_of(rows: dict[str, list], new, old) -> dict[str, list]:
    """The rows of the tables and columns the old schema had (later migrations add some)."""
    kept = {}
    for name in (n for n in rows if n in old.tables):
        columns = [c.name for c in new.tables[name].columns]
        wanted = [columns.index(c.name) for c in old.tables[name].columns if c.name in columns]
        kept[name] = [tuple(row[i] for i in wanted) for row in rows[name]]
    return kept


def test_the_last_migration_downgrades_with_data_and_upgrades_again(tmp_path):
    from alembic.script import ScriptDirectory

    engine = create_engine(f"sqlite:///{tmp_path / 'down.db'}")
    migrate.upgrade(engine)
    with engine.begin() as connection:
        full = reflect(connection)
        before = fill_every_table(connection, full)
    migrate.downgrade(engine, "-1")
    previous = ScriptDirectory(str(migrate.MIGRATIONS)).get_revision(migrate.head_revision()).down_revision
    assert migrate.current_revision(engine) == previous
    with engine.connect() as connection:
        older = reflect(connection)
        kept = read_every_table(connection, older)
    # Tables the last migration did not reshape keep every row through the downgrade. The report_*
    # tables are derived aggregates that a migration may empty: the next report view recounts them.
    same = [name for name in kept if name != "alembic_version" and name in full.tables
            and not name.startswith("report_")
            and [c.name for c in older.tables[name].columns] == [c.name for c in full.tables[name].columns]]
    assert same and all(kept[name] == before[name] for name in same)
    migrate.upgrade(engine)
    assert migrate.is_current(engine)


def test_the_message_body_migration_moves_the_bytes_both_ways(tmp_path):
    """0009 moves message.mime into message_body and back; a message without a body row (nothing to send)
    comes back with empty bytes instead of stopping the downgrade halfway."""
    engine = create_engine(f"sqlite:///{tmp_path / 'body.db'}")
    migrate.upgrade(engine, "0008")
    row = ("INSERT INTO message (id, purpose_key, kind, to_address, envelope_from, subject, message_id_header, "
           "mime, status, attempts, possible_duplicates, created_at, next_attempt_at) VALUES "
           "(:id, :key, 'alert', 'a@b.test', 'c@d.test', 's', :mid, :mime, 'sent', 1, 0, '2026-01-01', '2026-01-01')")
    with engine.begin() as connection:
        connection.execute(text(row), {"id": 1, "key": "p1", "mid": "<1@t>", "mime": b"To: a\r\n\r\nHei"})
    migrate.upgrade(engine, "0009")
    with engine.begin() as connection:
        assert connection.execute(text("SELECT message_id, mime FROM message_body")).all() == [(1, b"To: a\r\n\r\nHei")]
        connection.execute(text("INSERT INTO message (id, purpose_key, kind, to_address, envelope_from, subject, "
                                "message_id_header, status, attempts, possible_duplicates, created_at, "
                                "next_attempt_at) VALUES (2, 'p2', 'alert', 'a@b.test', 'c@d.test', 's', '<2@t>', "
                                "'sent', 1, 0, '2026-01-01', '2026-01-01')"))
    migrate.downgrade(engine, "0008")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id, mime FROM message ORDER BY id")).all() == [
            (1, b"To: a\r\n\r\nHei"), (2, b"")]
    migrate.upgrade(engine)
    assert migrate.is_current(engine)


def test_delivery_times_the_old_sqlite_path_wrote_are_put_in_the_orms_format(tmp_path):
    """0011: the removed executemany path stored '…+00:00' (and no fraction at a whole second); SQLite
    compares the text, so a time that equals another sorted after it."""
    engine = create_engine(f"sqlite:///{tmp_path / 'times.db'}")
    migrate.upgrade(engine, "0010")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO message (id, purpose_key, kind, to_address, envelope_from, subject, message_id_header, "
            "status, attempts, possible_duplicates, created_at, next_attempt_at, sent_at) VALUES (1, 'p1', 'alert', "
            "'a@b.test', 'c@d.test', 's', '<1@t>', 'sent', 1, 0, '2026-12-01 10:00:09.123457', "
            "'2026-12-01 10:00:09.123457', '2026-12-01 10:00:09.123457+00:00')"))
        connection.execute(text(
            "INSERT INTO attempt (message_id, number, worker, started_at, finished_at, outcome) VALUES "
            "(1, 1, 'w', '2026-12-01 10:00:00+00:00', '2026-12-01 10:00:09.123457+00:00', 'sent')"))
        connection.execute(text(
            "INSERT INTO receipt_event (dedupe_key, kind, occurred_at, message_id, evidence) VALUES "
            "('accepted:1', 'accepted', '2026-12-01 10:00:09.123457', 1, '{}')"))  # already the ORM's
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT created_at, sent_at FROM message")).one() == (
            "2026-12-01 10:00:09.123457", "2026-12-01 10:00:09.123457")
        assert connection.execute(text("SELECT started_at, finished_at FROM attempt")).one() == (
            "2026-12-01 10:00:00.000000", "2026-12-01 10:00:09.123457")
        assert connection.scalar(text("SELECT occurred_at FROM receipt_event")) == "2026-12-01 10:00:09.123457"
    assert migrate.is_current(engine)
