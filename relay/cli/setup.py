"""`relay init` and `relay check`."""

from __future__ import annotations

import click

from relay.cli.common import engine_for, initialise_or_exit, settings_or_exit


@click.command()
def init() -> None:
    """Create or upgrade the database, load the organisation register and the configured sources."""
    settings = settings_or_exit()
    report = initialise_or_exit(settings, engine_for(settings))
    click.echo(f"database: {report.revision_before or 'new'} → {report.revision_after}")
    click.echo(f"register: {report.register}")
    click.echo(f"sources: {report.sources}")
