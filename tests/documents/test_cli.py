"""`relay documents fetch | tag | show` through click, against the test database and a local server."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from relay.cli.documents import fetch_cmd, show_cmd, tag_cmd
from relay.db import transaction
from relay.models import Tag
from tests.documents.support import concluding_observations


@pytest.fixture
def cli_env(settings, monkeypatch):
    monkeypatch.setattr("relay.cli.documents.settings_or_exit", lambda: settings)
    return settings


def test_fetch_re_tags_what_arrived_and_show_lists_the_evidence_fields(engine, cli_env, ohchr):
    item_id = concluding_observations(engine, ohchr)
    runner = CliRunner()
    fetched = runner.invoke(fetch_cmd, [], catch_exceptions=False)
    assert fetched.exit_code == 0, fetched.output
    assert "fetched 1: 1 extracted" in fetched.output and "3 recommendation item(s) created" in fetched.output
    assert "re-tagged 4 item(s) from their document text" in fetched.output
    with transaction(engine) as session:
        assert "child-welfare" in session.scalars(select(Tag.sector).where(Tag.item_id == item_id)).all()
    assert runner.invoke(tag_cmd, []).output.strip() == "re-tagged 0 item(s) from their document text"
    shown = runner.invoke(show_cmd, [str(item_id)])
    assert "body: ok · html" in shown.output and "document.para.27 [" in shown.output


def test_fetch_without_tagging_leaves_the_items_for_the_tag_verb(engine, cli_env, ohchr):
    concluding_observations(engine, ohchr)
    runner = CliRunner()
    fetched = runner.invoke(fetch_cmd, ["--no-tag"], catch_exceptions=False)
    assert "re-tagged" not in fetched.output
    assert runner.invoke(tag_cmd, ["--limit", "2"]).output.strip() == "re-tagged 2 item(s) from their document text"
    assert runner.invoke(tag_cmd, []).output.strip() == "re-tagged 2 item(s) from their document text"
