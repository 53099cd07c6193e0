"""`relay send`, `relay worker` and `relay outbox`: thin verbs over relay.delivery."""

from __future__ import annotations

import asyncio
import signal

import click

from relay.cli.common import engine_for, settings_or_exit


@click.command("send")
@click.option("--batch", default=500, show_default=True, help="messages claimed per round")
def send_cmd(batch: int) -> None:
    """Send everything that is due now, then print what happened."""
    from relay.delivery.worker import send_all, worker_name

    settings = settings_or_exit()
    report = send_all(engine=engine_for(settings), settings=settings, worker=worker_name("cli"), batch=batch)
    click.echo(str(report))
    if report.auth_failed:
        raise SystemExit(1)


@click.command("worker")
@click.option("--loop", is_flag=True, help="keep running; SIGTERM or Ctrl-C stops after the current message")
@click.option("--batch", default=500, show_default=True, help="messages claimed per round")
@click.option("--idle", default=5.0, show_default=True, help="seconds to sleep when nothing is due")
def worker_cmd(loop: bool, batch: int, idle: float) -> None:
    """Claim and send due messages. Any number of workers may run against PostgreSQL."""
    from relay.delivery.worker import drain, run_worker, worker_name
    from relay.ops.logging import configure_logging

    settings = settings_or_exit()
    configure_logging(settings)  # one log format for every process
    engine = engine_for(settings)
    name = worker_name()

    async def main():
        stop = asyncio.Event()
        running = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            # Only a flag: lanes finish the message in hand and give the rest back to the queue.
            running.add_signal_handler(signum, stop.set)
        if loop:
            return await run_worker(engine=engine, settings=settings, stop=stop, worker=name, batch=batch,
                                    idle_seconds=idle)
        return await drain(engine=engine, settings=settings, worker=name, batch=batch, stop=stop)

    click.echo(f"{name}: {asyncio.run(main())}")


@click.command("outbox")
@click.option("--failing", is_flag=True, help="list failed messages and those being retried, with the reason")
@click.option("--limit", default=30, show_default=True, help="rows to list")
def outbox_cmd(failing: bool, limit: int) -> None:
    """What is queued, what is failing and why: counts by status and the age of the oldest queued message."""
    from relay.db import transaction
    from relay.delivery.outbox import count_by_status, list_failing, list_waiting, oldest_queued_at
    from relay.models import MESSAGE_STATUSES, utcnow

    settings = settings_or_exit()
    with transaction(engine_for(settings)) as session:
        counts = count_by_status(session=session)
        oldest = oldest_queued_at(session=session)
        rows = list_failing(session=session, limit=limit) if failing else list_waiting(session=session, limit=limit)
        lines = [
            f"{m.id:>7}  {m.status:<17} {m.attempts:>2} tries  {m.to_address:<40} {(m.last_reply or '-')[:90]}"
            for m in rows
        ]
    click.echo("  ".join(f"{status}: {counts.get(status, 0)}" for status in MESSAGE_STATUSES))
    if oldest is not None:
        click.echo(f"oldest waiting: {_age((utcnow() - oldest).total_seconds())}")
    click.echo("\n".join(lines) if lines else ("nothing failing" if failing else "nothing waiting"))


def _age(seconds: float) -> str:
    minutes, hours = int(seconds // 60), seconds / 3600
    return f"{hours:.1f} h" if hours >= 2 else f"{minutes} min"
