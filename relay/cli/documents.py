"""`relay documents`: fetch full texts now, and show what was extracted for one item."""

from __future__ import annotations

import sys

import click

from relay.cli.common import engine_for, settings_or_exit


@click.group()
def documents() -> None:
    """Full text of judgments and reports: fetch, re-tag, show."""


@documents.command("fetch")
@click.option("--item", "item_id", type=int, help="only this item's documents, due or not")
@click.option("--limit", type=int, default=20, show_default=True, help="documents fetched in this run")
@click.option("--tag/--no-tag", "retag", default=True, show_default=True,
              help="re-tag the items whose text arrived or changed")
def fetch_cmd(item_id: int | None, limit: int, retag: bool) -> None:
    """Fetch due documents (or one item's); re-fetches are conditional and unchanged texts are not re-read."""
    from relay.documents.fetch import fetch_due
    from relay.documents.retag import tag_changed
    from relay.http import HttpClient

    settings = settings_or_exit()
    engine = engine_for(settings)
    with HttpClient(settings.http) as http:
        report = fetch_due(engine=engine, http=http, limit=limit, item_id=item_id)
    outcomes = ", ".join(f"{n} {k}" for k, n in sorted(report.outcomes.items())) or "nothing due"
    click.echo(f"planned {report.planned}, fetched {report.claimed}: {outcomes}")
    if report.new_item_ids:
        click.echo(f"{len(report.new_item_ids)} recommendation item(s) created")
    if retag:
        click.echo(f"re-tagged {tag_changed(engine)} item(s) from their document text")
    for error in report.errors:
        click.echo(f"✗ {error}", err=True)
    sys.exit(1 if report.errors else 0)


@documents.command("tag")
@click.option("--limit", type=int, default=200, show_default=True, help="items re-tagged in this run")
def tag_cmd(limit: int) -> None:
    """Re-tag the items whose document text arrived or changed since they were last tagged."""
    from relay.documents.retag import tag_changed

    settings = settings_or_exit()
    click.echo(f"re-tagged {tag_changed(engine_for(settings), limit=limit)} item(s) from their document text")


@documents.command("show")
@click.argument("item_id", type=int)
@click.option("--text", "full", is_flag=True, help="print the whole extracted text too")
def show_cmd(item_id: int, full: bool) -> None:
    """Documents of ITEM_ID: status, sections, paragraph and recommendation counts, evidence fields."""
    from relay.db import transaction
    from relay.documents.evidence import tagging_text
    from relay.documents.store import documents_for
    from relay.models import Item

    settings = settings_or_exit()
    with transaction(engine_for(settings)) as session:
        item = session.get(Item, item_id)
        if item is None:
            click.echo(f"no item {item_id}", err=True)
            sys.exit(2)
        click.echo(f"{item.id} {item.key}: {item.title}")
        docs = documents_for(session=session, item_id=item.id)
        if not docs:
            click.echo("  no documents (none planned for this kind of item yet)")
        for kind, doc in sorted(docs.items()):
            s = doc.structure or {}
            click.echo(f"  {kind}: {doc.status} · {doc.format or '-'} · {len(doc.text):,} chars · attempts "
                       f"{doc.attempts} · next {doc.next_attempt_at or '-'}\n    {doc.url}")
            if doc.error:
                click.echo(f"    error: {doc.error}")
            for section in s.get("sections", []):
                click.echo(f"    § {section['title'][:70]} [{section['start']}:{section['end']}]")
            click.echo(f"    paragraphs {len(s.get('paragraphs', []))}, operative {len(s.get('operative', []))},"
                       f" recommendations {len(s.get('recommendations', []))}")
            if full:
                click.echo(doc.text)
        for passage in tagging_text(item, session=session):
            click.echo(f"  {passage.field} [{passage.start}:{passage.end}] {passage.text[:80]!r}")
