"""Real databases for every test: SQLite by default, PostgreSQL when RELAY_TEST_DATABASE_URL is set.

The schema is migrated once per session (through Alembic, so the migrations are exercised too);
every test starts with empty tables. Tests that need the organisation register ask for `register`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from relay import migrate
from relay.db import dispose_engines, make_engine
from relay.models import Base
from relay.settings import load_settings

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or a skip with the reason when that folder is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared reference folder is not beside this checkout")
    return path


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("RELAY_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'relay-test.db'}"


@pytest.fixture(scope="session")
def migrated_engine(database_url):
    if database_url.startswith("postgresql"):
        # Start from nothing: an earlier run may have left tables or an alembic_version row.
        raw = create_engine(database_url)
        with raw.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        raw.dispose()
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()
    dispose_engines()


def _empty_all_tables(engine) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(t.name for t in tables)} RESTART IDENTITY CASCADE"))
        return
    # Children before parents, with foreign keys enforced: a PRAGMA inside a transaction is
    # ignored, so switching them off here once left them off on a pooled connection for the
    # tests that followed.
    with engine.begin() as conn:
        for table in tables:
            conn.execute(table.delete())


@pytest.fixture
def engine(migrated_engine):
    """The migrated test database, emptied after the test."""
    yield migrated_engine
    _empty_all_tables(migrated_engine)


@pytest.fixture
def settings(tmp_path, database_url, monkeypatch):
    """Settings for one test: its own data folder, https links, a fixed signing key, no scheduler."""
    monkeypatch.delenv("RELAY_DATABASE_URL", raising=False)
    return load_settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        base_url="https://relay.test",
        secret_key="test-signing-key-not-secret",
        scheduler=False,
        mail={"from_address": "relay@relay.test", "reply_to": "postmottak@sfvl.test"},
    )


@pytest.fixture
def register(engine, settings):
    """The organisation register (Norwegian profile) loaded into the test database."""
    from relay.db import transaction
    from relay.register import load_register

    with transaction(engine) as session:
        load_register(session=session, profile="no")
    return engine
