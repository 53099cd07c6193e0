"""What every verb needs: the settings (invalid ones stop with a message naming them) and the engine."""

from __future__ import annotations

import sys

import click

from relay.settings import Settings, SettingsError, get_settings


def settings_or_exit() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


def engine_for(settings: Settings):
    from relay.db import get_engine

    return get_engine(settings.resolved_database_url)


def initialise_or_exit(settings: Settings, engine):
    """Migrate, load the register, sync sources; a broken configuration file stops with its problems listed."""
    from relay.register import RegisterFileError
    from relay.setup import initialise
    from relay.sources import SourcesFileError

    try:
        return initialise(settings=settings, engine=engine)
    except (SourcesFileError, RegisterFileError) as exc:
        click.echo(f"the configuration has problems (`relay check` lists them all):\n{exc}", err=True)
        sys.exit(2)
