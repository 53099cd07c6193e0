"""`relay tag --all` re-tags stored items after a rule change; `relay tag eval DATASET` measures the rules."""

from __future__ import annotations

import sys

import click

from relay.cli.common import engine_for, settings_or_exit


@click.group("tag", invoke_without_command=True)
@click.option("--all", "retag_all", is_flag=True, help="re-tag every stored item and print what changed")
@click.option("--sector", "sectors", multiple=True, help="only these sectors (repeatable)")
@click.pass_context
def tag(ctx: click.Context, retag_all: bool, sectors: tuple[str, ...]) -> None:
    """Sector tagging: re-tag stored items (--all), or evaluate the rules (tag eval)."""
    if ctx.invoked_subcommand is not None:
        return
    if not retag_all:
        click.echo(ctx.get_help())
        return
    from relay.db import transaction
    from relay.tagging.apply import retag
    from relay.tagging.sectors import SectorsFileError

    settings = settings_or_exit()
    try:
        with transaction(engine_for(settings)) as session:
            report = retag(session=session, sectors=list(sectors) or None)
    except SectorsFileError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    for line in report.lines():
        click.echo(line)


@tag.command("eval")
@click.argument("dataset", type=click.Choice(["upr-nordic", "upr-random", "norway"]))
@click.option("--split", type=click.Choice(["test", "tune", "all"]), default="test", show_default=True,
              help="report on the held-out test part; tune on the tune part")
@click.option("--misses", default=50, show_default=True, help="misclassified items to list with their evidence")
def eval_cmd(dataset: str, split: str, misses: int) -> None:
    """Per-sector precision, recall and F1 of the rules on a labelled DATASET, with the misclassified items."""
    from relay.tagging.datasets import DatasetError, load
    from relay.tagging.evaluate import evaluate, format_report
    from relay.tagging.sectors import SectorsFileError, get_ruleset

    settings_or_exit()
    try:
        examples = load(dataset, split=split)
        report = evaluate(examples, ruleset=get_ruleset(), upr=dataset.startswith("upr"))
    except (DatasetError, SectorsFileError) as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    merged = " (children = child-welfare|education, groups = integration|minorities-sami)" \
        if dataset.startswith("upr") else ""
    click.echo(format_report(report, title=f"{dataset}, split {split}{merged}", show_misses=misses))
