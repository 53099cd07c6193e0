"""`relay digest plan|preview|send` for operators."""

from __future__ import annotations

import click

from relay.cli.common import engine_for, settings_or_exit


@click.group()
def digest() -> None:
    """Plan, preview and send digests and immediate alerts."""


@digest.command()
def plan() -> None:
    """Assign approved alerts to contacts and queue their messages (idempotent; catches up missed periods)."""
    from relay.pipeline import plan_and_render

    settings = settings_or_exit()
    report, queued = plan_and_render(engine=engine_for(settings), settings=settings)
    click.echo(f"immediate: {len(report.immediate)} assignments; digests: {len(report.digests)} "
               f"({', '.join(f'{f} {d}' for f, d in report.periods) or 'no period ended'}); messages queued: {queued}")


@digest.command()
@click.argument("message_id", type=int, required=False)
def preview(message_id: int | None) -> None:
    """Print a queued message (the newest digest when no id is given) as text."""
    import email
    import email.policy

    from sqlalchemy import select

    from relay.db import transaction
    from relay.models import Message

    settings = settings_or_exit()
    with transaction(engine_for(settings)) as session:
        query = select(Message).order_by(Message.id.desc())
        message = session.get(Message, message_id) if message_id else session.scalars(query.where(Message.kind == "digest")).first()
        if message is None:
            raise click.ClickException("no such message")
        parsed = email.message_from_bytes(message.mime, policy=email.policy.default)
        click.echo(f"To: {parsed['To']}\nSubject: {parsed['Subject']}\nStatus: {message.status}\n")
        click.echo(parsed.get_body(preferencelist=("plain",)).get_content())


@digest.command()
def send() -> None:
    """Plan, then send everything due now."""
    from relay.delivery.worker import send_all
    from relay.pipeline import plan_and_render

    settings = settings_or_exit()
    engine = engine_for(settings)
    report, queued = plan_and_render(engine=engine, settings=settings)
    click.echo(f"queued {queued} message(s)")
    click.echo(str(send_all(engine=engine, settings=settings, worker="cli")))
