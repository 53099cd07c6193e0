"""`relay user add … --office` takes an organisation number, a code or a name, in both profiles."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from relay.cli.users import user
from relay.db import transaction
from relay.register import load_register


@pytest.fixture
def both_registers(engine):
    with transaction(engine) as s:
        load_register(session=s, profile="no")
        load_register(session=s, profile="se")
    return engine


@pytest.fixture
def add(both_registers, settings, monkeypatch):
    monkeypatch.setattr("relay.cli.users.settings_or_exit", lambda: settings)
    monkeypatch.setattr("relay.cli.users.engine_for", lambda _settings: both_registers)

    def invoke(*args):
        return CliRunner().invoke(user, ["add", *args])

    return invoke


@pytest.mark.parametrize(("office", "name"), [
    ("974760665", "Statsforvaltaren i Vestland"),
    ("Vestland", "Statsforvaltaren i Vestland"),
    ("Statsforvalteren i Vestland", "Statsforvaltaren i Vestland"),  # the other standard's form
    ("agder", "Statsforvalteren i Agder"),
    ("Länsstyrelsen i Skåne län", "Länsstyrelsen i Skåne län"),
    ("Skåne", "Länsstyrelsen i Skåne län"),
    ("Stockholms län", "Länsstyrelsen i Stockholms län"),
    ("01", "Länsstyrelsen i Stockholms län"),
])
def test_a_governor_is_created_by_number_code_or_name(add, office, name):
    result = add("gov@example.test", "--role", "governor", "--office", office)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"gov@example.test: governor ({name})"


def test_a_swedish_governor_reads_swedish(add, both_registers):
    from sqlalchemy import select

    from relay.models import User

    assert add("handlaggare@lansstyrelsen.test", "--role", "governor", "--office", "Skåne").exit_code == 0
    with transaction(both_registers) as s:
        account = s.scalars(select(User).where(User.email == "handlaggare@lansstyrelsen.test")).one()
        assert account.language == "sv" and account.office.profile == "se"


@pytest.mark.parametrize("office", ["Atlantis", "Statsforvalteren", "i"])
def test_an_unknown_or_ambiguous_office_lists_the_valid_ones(add, office):
    result = add("gov@example.test", "--role", "governor", "--office", office)
    assert result.exit_code != 0
    assert "974760665  Statsforvaltaren i Vestland" in result.output
    assert "Länsstyrelsen i Västra Götalands län" in result.output
