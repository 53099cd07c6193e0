"""Numbered Alembic revisions, a head file, and models that agree with the migrations (STYLE C10)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from relay import migrate
from relay.models import Base, utcnow

VERSIONS = Path(migrate.MIGRATIONS) / "versions"


def test_every_revision_file_starts_with_a_four_digit_id():
    files = sorted(p.name for p in VERSIONS.glob("*.py"))
    assert files, "no migrations"
    for name in files:
        assert re.match(r"^\d{4}_[a-z0-9_]+\.py$", name), name


def test_the_head_file_names_the_newest_revision():
    head = (Path(migrate.MIGRATIONS) / ".current-alembic-head").read_text().strip()
    assert head == migrate.head_revision()
    newest = sorted(p.name for p in VERSIONS.glob("*.py"))[-1]
    assert newest.startswith(head)


def test_a_migrated_database_is_at_head_and_agrees_with_the_models(migrated_engine):
    assert migrate.current_revision(migrated_engine) == migrate.head_revision()
    from relay.archive.search import SEARCH_OBJECTS

    # The full-text index lives outside the models (an FTS5 table on SQLite, a GIN expression index on
    # PostgreSQL), so the comparison leaves those names to the archive's own tests.
    opts = {"include_name": lambda name, kind, parent: not (name or "").startswith(SEARCH_OBJECTS)}
    with migrated_engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts=opts), Base.metadata)
    assert differences == []


def test_it_upgrades_from_nothing_and_downgrades_the_last_migration(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'upgrade.db'}")
    migrate.upgrade(engine)
    assert migrate.is_current(engine)
    head = migrate.head_revision()
    migrate.downgrade(engine, "-1")
    assert migrate.current_revision(engine) != head
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == head


def test_emptying_the_tables_between_tests_leaves_foreign_keys_enforced(engine):
    """Every test runs with the schema's rules: a teardown that switched SQLite's foreign keys off
    inside a transaction (where switching them back on is ignored) once hid violations."""
    from sqlalchemy.exc import IntegrityError

    from relay.models import Attempt
    from tests.conftest import _empty_all_tables

    _empty_all_tables(engine)
    with pytest.raises(IntegrityError), engine.begin() as conn:  # no message 424242
        conn.execute(Attempt.__table__.insert().values(message_id=424242, number=1, outcome="started",
                                                       started_at=utcnow()))
