"""Operations verbs: `relay check`, `relay backup`/`restore`, `relay contact export|erase`,
`relay retention`, `relay incidents list|check` and `relay scheduler` (docs/operations.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from relay.cli.common import engine_for, initialise_or_exit, settings_or_exit


@click.command("check")
def check_cmd() -> None:
    """Validate settings, sources, sectors, templates, catalogues and the register; list every problem."""
    from relay.checks import run_checks

    problems = run_checks()  # loads the settings itself, so invalid ones are listed with the rest
    for problem in problems:
        click.echo(f"✗ {problem}", err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo("configuration OK")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_cmd(path: Path) -> None:
    """Write a consistent backup of the database to PATH (SQLite online backup, or pg_dump -Fc)."""
    from relay.ops.backup import BackupError, backup

    try:
        written = backup(engine_for(settings_or_exit()), path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written: {written} ({written.stat().st_size} bytes)")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="do not ask: the database's contents are replaced")
def restore_cmd(path: Path, yes: bool) -> None:
    """Replace the database's contents with the backup in PATH. Stop Relay first; run `relay init` after."""
    from relay.ops.backup import BackupError, restore

    if not yes:
        click.confirm("Replace everything in the database with this backup?", abort=True)
    try:
        restore(engine_for(settings_or_exit()), path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored from {path}; now run `relay init` to bring an older backup's schema up to date")


@click.group("contact")
def contact() -> None:
    """What Relay holds about one address: export it, or erase it (GDPR)."""


@contact.command("export")
@click.argument("email")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="write to a file")
def contact_export(email: str, output: Path | None) -> None:
    """Everything held about EMAIL as JSON: contacts, subscriptions, messages, events, acknowledgements."""
    from relay.db import transaction
    from relay.ops.privacy import export_contact

    with transaction(engine_for(settings_or_exit())) as session:
        text = json.dumps(export_contact(session=session, email=email), ensure_ascii=False, indent=2)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        output.chmod(0o600)  # personal data
        click.echo(f"written to {output}")
    else:
        click.echo(text)


@contact.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="do not ask")
def contact_erase(email: str, yes: bool) -> None:
    """Erase EMAIL: address, name and message bodies go; report counts stay."""
    from relay.db import transaction
    from relay.ops.privacy import erase_address

    if not yes:
        click.confirm(f"Erase {email} for good?", abort=True)
    with transaction(engine_for(settings_or_exit())) as session:
        report = erase_address(session=session, email=email, actor="cli")
    click.echo(f"erased: {report}")


@click.command("retention")
def retention_cmd() -> None:
    """Run the retention jobs now (the scheduler also runs them every six hours)."""
    from relay.ops.retention import run_retention

    settings = settings_or_exit()
    report = run_retention(engine=engine_for(settings), settings=settings)
    click.echo(f"events aggregated: {report.events_aggregated}, raw reports purged: {report.raw_reports_purged}, "
               f"contacts erased: {report.contacts_erased}")


@click.group("incidents")
def incidents() -> None:
    """Persistent trouble: failing sources, a stuck outbox, bounces, no scheduler."""


@incidents.command("list")
def incidents_list() -> None:
    from relay.db import transaction
    from relay.ops.incidents import list_incidents

    with transaction(engine_for(settings_or_exit())) as session:
        open_, closed = list_incidents(session=session, limit=10)
    for incident in open_ + closed:
        state = f"closed {incident.closed_at:%Y-%m-%d %H:%M}" if incident.closed_at else "OPEN"
        click.echo(f"#{incident.id} {incident.kind}/{incident.subject} opened {incident.opened_at:%Y-%m-%d %H:%M} "
                   f"{state}: {incident.detail}")
    if not open_:
        click.echo("no open incidents")


@incidents.command("check")
def incidents_check() -> None:
    """Check once (a systemd timer runs this, so "no scheduler" is noticed without a scheduler)."""
    from relay.ops.incidents import check_incidents

    settings = settings_or_exit()
    for change in check_incidents(engine=engine_for(settings), settings=settings):
        click.echo(f"{change.action}: {change.kind}/{change.subject} (#{change.incident_id})")


@click.command("scheduler")
def scheduler_cmd() -> None:
    """Only the scheduler (scale-out): run it on two machines; one leads, the other waits to take over."""
    import signal
    import threading

    from relay.ops.logging import configure_logging
    from relay.scheduler import build_scheduler

    settings = settings_or_exit()
    configure_logging(settings)
    engine = engine_for(settings)
    initialise_or_exit(settings, engine)
    # Sending is left to `relay worker`; the scheduler collects, plans, sweeps and watches.
    scheduler, leadership = build_scheduler(settings=settings, engine=engine, send=False)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    scheduler.start()
    click.echo("scheduler running; SIGTERM stops it")
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
        leadership.release()
