"""The operations verbs, through click, against the test database."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from relay.cli import ops
from relay.db import transaction
from relay.models import Contact
from relay.settings import get_settings
from tests import factories


@pytest.fixture
def relay(settings, database_url, monkeypatch, engine):
    """Run `relay <verb>` with the test settings (the group as relay/cli/__init__.py will have it)."""
    monkeypatch.setenv("RELAY_DATABASE_URL", database_url)
    monkeypatch.setenv("RELAY_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()

    group = click.Group()
    for command in (ops.check_cmd, ops.backup_cmd, ops.restore_cmd, ops.contact, ops.retention_cmd, ops.incidents):
        group.add_command(command)
    yield lambda *args: CliRunner().invoke(group, list(args), catch_exceptions=False)
    get_settings.cache_clear()


def test_contact_export_and_erase(relay, engine, tmp_path):
    with transaction(engine) as s:
        contact_id = factories.make_contact(s, email="ola@voss.kommune.no").id
    exported = relay("contact", "export", "ola@voss.kommune.no")
    assert exported.exit_code == 0 and json.loads(exported.output)["contacts"][0]["id"] == contact_id
    refused = relay("contact", "erase", "ola@voss.kommune.no")  # no --yes and no answer: aborted
    assert refused.exit_code == 1
    done = relay("contact", "erase", "ola@voss.kommune.no", "--yes")
    assert done.exit_code == 0 and "1 contacts" in done.output
    with transaction(engine) as s:
        assert s.get(Contact, contact_id).email is None


def test_retention_and_incidents(relay):
    assert "events aggregated: 0" in relay("retention").output
    checked = relay("incidents", "check")
    assert "opened: heartbeat/scheduler" in checked.output  # nothing leads in a test
    assert "OPEN" in relay("incidents", "list").output


def test_backup_on_sqlite(relay, engine, tmp_path):
    if engine.dialect.name != "sqlite":
        pytest.skip("the PostgreSQL path is covered by test_backup_upgrade")
    result = relay("backup", str(tmp_path / "b" / "relay.db"))
    assert result.exit_code == 0 and (tmp_path / "b" / "relay.db").stat().st_size > 0
