"""`relay bounces serve|poll`: receive DSNs and MDNs by SMTP, or fetch them from an IMAP mailbox."""

from __future__ import annotations

import click

from relay.cli.common import engine_for, settings_or_exit


@click.group()
def bounces() -> None:
    """Delivery reports (bounces, delivery and read receipts) coming back."""


@bounces.command()
@click.option("--host", default=None, help="listen address (default: receipts.inbound_host)")
@click.option("--port", default=None, type=int, help="listen port (default: receipts.inbound_port)")
def serve(host: str | None, port: int | None) -> None:
    """An SMTP receiver for the bounce domain: point its MX (or a relay's transport) here."""
    import signal
    import threading

    from aiosmtpd.controller import Controller

    from relay.mail.envelope import bounce_domain
    from relay.receipts.receiver import BounceHandler

    settings = settings_or_exit()
    handler = BounceHandler(engine=engine_for(settings), settings=settings)
    controller = Controller(handler, hostname=host or settings.receipts.inbound_host,
                            port=port or settings.receipts.inbound_port)
    controller.start()
    click.echo(f"receiving reports for @{bounce_domain(settings)} on {controller.hostname}:{controller.port}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


@bounces.command()
def poll() -> None:
    """Read unseen reports from the IMAP bounce mailbox once."""
    from relay.receipts.receiver import poll_imap

    settings = settings_or_exit()
    if not settings.receipts.imap_host:
        raise click.ClickException("receipts.imap_host is not set")
    click.echo(f"processed {poll_imap(engine=engine_for(settings), settings=settings)} report(s)")
