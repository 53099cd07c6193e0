"""`relay collect` (manual runs and backfills) and `relay sources` (health)."""

from __future__ import annotations

import sys
from datetime import date

import click

from relay.cli.common import engine_for, settings_or_exit


@click.command()
@click.argument("keys", nargs=-1)
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="backfill from this date (YYYY-MM-DD)")
@click.option("--all", "run_all", is_flag=True, help="every source, due or not")
def collect(keys: tuple[str, ...], since, run_all: bool) -> None:
    """Run sources now: the named ones, every due one, or --all. One failure never stops the others."""
    from sqlalchemy import select

    from relay.collect import due_sources, run_source
    from relay.db import transaction
    from relay.http import HttpClient
    from relay.models import Source

    settings = settings_or_exit()
    engine = engine_for(settings)
    with transaction(engine) as session:
        known = list(session.scalars(select(Source.key).order_by(Source.key)))
    unknown = [k for k in keys if k not in known]
    if unknown:
        click.echo(f"unknown source(s): {', '.join(unknown)}; known: {', '.join(known)}", err=True)
        sys.exit(2)
    chosen = list(keys) or (known if run_all else due_sources(engine=engine))
    failures = 0
    with HttpClient(settings.http) as http, click.progressbar(chosen, label="collecting", show_pos=True,
                                                               item_show_func=lambda k: k or "") as bar:
        results = []
        for key in bar:
            results.append(run_source(engine=engine, key=key, http=http,
                                      download_dir=settings.resolved_data_dir / "downloads",
                                      since=since.date() if isinstance(since, date) else None))
    for r in results:
        if r.ok:
            click.echo(f"✓ {r.source}: {r.found} found, {r.new} new, {r.updated} updated"
                       + (" (not modified)" if r.not_modified else ""))
        else:
            failures += 1
            click.echo(f"✗ {r.source}: {r.error}", err=True)
    sys.exit(1 if failures else 0)


@click.command()
def sources() -> None:
    """Every source's health: last success, last error, items, consecutive failures, rejected records."""
    from sqlalchemy import select

    from relay.db import transaction
    from relay.models import Source
    from relay.store.health import last_runs
    from relay.store.health import unsectored as unsectored_counts

    settings = settings_or_exit()
    with transaction(engine_for(settings)) as session:
        rows = list(session.scalars(select(Source).order_by(Source.key)))
        runs, unsectored = last_runs(session), unsectored_counts(session)
        for s in rows:
            state = "paused" if s.paused else ("FAILING" if s.error_count >= 3 else ("error" if s.error_count else "ok"))
            last = s.last_success_at.strftime("%Y-%m-%d %H:%M") if s.last_success_at else "never"
            click.echo(f"{s.key:32} {s.kind:10} {state:8} last success {last}  items {s.items_last_run}"
                       f"  failures {s.error_count}")
            if s.last_error and s.error_count:
                click.echo(f"    last error: {s.last_error[:200]}")
            run = runs.get(s.id)
            if run and (run.items_rejected or run.items_deferred):
                click.echo(f"    last run: {run.items_rejected} record(s) rejected, {run.items_deferred} left for the next run")
                for rejection in (run.rejected or [])[:50]:
                    click.echo(f"      rejected {rejection['record']}: {rejection['reason']}")
            if unsectored.get(s.id):
                click.echo(f"    {unsectored[s.id]} relevant item(s) with no sector, waiting in the queue for review")
