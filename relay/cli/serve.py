"""`relay run` (everything in one process) and `relay web` (pages and API only, for scale-out)."""

from __future__ import annotations

import click

from relay.cli.common import engine_for, initialise_or_exit, settings_or_exit


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=8000, show_default=True, type=int, help="port to listen on")
@click.option("--demo", is_flag=True, help="load bundled sample material, contacts and a sent digest first")
def run(host: str, port: int, demo: bool) -> None:
    """Web UI, API, scheduler and sender in one process, on embedded defaults (SQLite, local maildir)."""
    import uvicorn

    from relay.ops.logging import configure_logging
    from relay.scheduler import build_scheduler
    from relay.web.app import create_app

    settings = settings_or_exit()
    configure_logging(settings)
    if demo:
        from relay.settings import load_settings

        if settings.base_url == "http://127.0.0.1:8000" and port != 8000:
            settings = load_settings(base_url=f"http://{host}:{port}")
    engine = engine_for(settings)
    initialise_or_exit(settings, engine)
    if demo:
        from relay.demo import load_demo

        for line in load_demo(settings=settings, engine=engine):
            click.echo(line)
    scheduler = None
    if settings.scheduler:
        # The demo promises no network: it neither collects the configured sources nor fetches documents.
        scheduler, leadership = build_scheduler(settings=settings, engine=engine, offline=demo)
        scheduler.start()
    click.echo(f"Relay on http://{host}:{port}/  (mail: {settings.smtp.host or settings.maildir_path})")
    try:
        # log_config=None: uvicorn keeps the handler configure_logging installed (one format, JSON or text).
        uvicorn.run(create_app(settings, engine), host=host, port=port, log_config=None)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
            leadership.release()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="uvicorn worker processes")
def web(host: str, port: int, workers: int) -> None:
    """Only the web UI and API (scale-out: run `relay worker` and one scheduler elsewhere)."""
    import uvicorn

    settings_or_exit()  # fail here, with the setting named, rather than in every worker process
    # Each worker process imports relay.web.asgi, which configures logging from the settings.
    uvicorn.run("relay.web.asgi:app", host=host, port=port, workers=workers, log_config=None)
