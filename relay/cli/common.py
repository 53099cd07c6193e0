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
