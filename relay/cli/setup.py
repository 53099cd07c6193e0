"""`relay init` and `relay check`."""

from __future__ import annotations

import sys

import click

from relay.cli.common import engine_for, settings_or_exit


@click.command()
def init() -> None:
    """Create or upgrade the database, load the organisation register and the configured sources."""
    from relay.setup import initialise
    from relay.sources import SourcesFileError

    settings = settings_or_exit()
    try:
        report = initialise(settings=settings, engine=engine_for(settings))
    except SourcesFileError as exc:
        click.echo(f"config/sources.toml has problems:\n{exc}", err=True)
        sys.exit(2)
    click.echo(f"database: {report.revision_before or 'new'} → {report.revision_after}")
    click.echo(f"register: {report.register}")
    click.echo(f"sources: {report.sources}")


@click.command("check")
def check_cmd() -> None:
    """Validate settings and configuration files, reporting every problem at once."""
    from relay.checks import run_checks

    settings = settings_or_exit()
    problems = run_checks(settings)
    for problem in problems:
        click.echo(f"✗ {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo("configuration OK")
