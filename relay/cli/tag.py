"""`relay tag --all` re-tags stored items; `relay tag eval` measures rules, model and both; `relay tag train` fits the model."""

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


DATASETS = ("upr-nordic", "upr-random", "norway")
MODES = ("rules", "model", "combined")


@tag.command("eval")
@click.argument("dataset", type=click.Choice(DATASETS), required=False)
@click.option("--split", type=click.Choice(["test", "tune", "all"]), default="test", show_default=True,
              help="report on the held-out test part; tune on the tune part")
@click.option("--mode", "modes", type=click.Choice(MODES), multiple=True,
              help="which tagger (repeatable); default: all three when a model exists, else rules")
@click.option("--model", "model_path", type=click.Path(dir_okay=False), help="model file (default: the configured one)")
@click.option("--from-decisions", is_flag=True, help="measure against the sectors governors added or removed")
@click.option("--language", "languages", multiple=True, help="only items in this language (nb, nn, en, sv, fr)")
@click.option("--misses", default=20, show_default=True, help="misclassified items to list with their evidence")
def eval_cmd(dataset: str | None, split: str, modes: tuple[str, ...], model_path: str | None, from_decisions: bool,
             languages: tuple[str, ...], misses: int) -> None:
    """Precision, recall and F1 per sector (with bootstrap 95 % intervals), micro and macro F1, exact-set match
    and the share of items with no sector, for the rules, the model and their combination on DATASET."""
    from relay.tagging.datasets import DatasetError, load
    from relay.tagging.evaluate import bootstrap, evaluate, format_report
    from relay.tagging.model import ModelFileError, get_model
    from relay.tagging.model import load as load_model
    from relay.tagging.sectors import SectorsFileError, get_ruleset

    settings = settings_or_exit()
    if bool(dataset) == from_decisions:
        click.echo("name a DATASET or give --from-decisions (one of the two)", err=True)
        sys.exit(2)
    try:
        model = load_model(model_path) if model_path else get_model()
        ruleset = get_ruleset()
        if from_decisions:
            from relay.tagging.feedback import decision_examples

            examples = decision_examples(engine_for(settings))
            title, upr = "governors' decisions (sectors added or removed by hand)", False
        else:
            examples, upr = load(dataset, split=split), dataset.startswith("upr")
            merged = " (children = child-welfare|education, groups = integration|minorities-sami)" if upr else ""
            title = f"{dataset}, split {split}{merged}"
    except (DatasetError, SectorsFileError, ModelFileError) as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    if languages:
        examples = [e for e in examples if e.item.get("language") in languages]
        title += f", language {'/'.join(languages)}"
    if model is None:
        click.echo("no sector model: the rules alone are measured (train one with `relay tag train`)", err=True)
        if set(modes) - {"rules"}:
            sys.exit(2)
    modes = modes or (MODES if model is not None else ("rules",))
    for mode in modes:
        report = evaluate(examples, upr=upr, predict=_predictor(mode, ruleset, model))
        click.echo(format_report(report, title=f"{mode}: {title}", show_misses=misses if mode == modes[-1] else 0,
                                 intervals=bootstrap(report)))
        click.echo("")


def _predictor(mode: str, ruleset, model):
    from relay.tagging.combine import tag_with_model

    return lambda item: tag_with_model(item, ruleset=ruleset, model=model, mode=mode)


@tag.command("train")
@click.argument("datasets", nargs=-1, type=click.Choice(DATASETS))
@click.option("--from-decisions", is_flag=True, help="add the sectors governors added or removed as labels")
@click.option("--vocabulary/--no-vocabulary", default=True, show_default=True,
              help="also learn from the rules' terms in nb, nn, en, sv and fr")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="where to write (default: the configured file)")
def train_cmd(datasets: tuple[str, ...], from_decisions: bool, vocabulary: bool, out_path: str | None) -> None:
    """Fit the sector model on the tune splits of DATASETS (and governors' decisions), tune its thresholds
    on tune folds, and save it with its training data's hash and figures. Needs scikit-learn."""
    from relay.tagging.datasets import DatasetError
    from relay.tagging.model import default_path, save
    from relay.tagging.sectors import SectorsFileError, get_ruleset

    settings = settings_or_exit()
    if not datasets and not from_decisions:
        click.echo("name at least one DATASET (or --from-decisions)", err=True)
        sys.exit(2)
    try:
        from relay.tagging.train import train
    except ImportError as exc:
        click.echo(f"training needs scikit-learn (pip install 'relay[train]'): {exc}", err=True)
        sys.exit(2)
    extra = []
    if from_decisions:
        from relay.tagging.feedback import decision_rows

        extra = decision_rows(engine_for(settings))
        click.echo(f"{len(extra)} items with governors' decisions added")
    try:
        model = train(datasets, ruleset=get_ruleset(), extra=extra, vocabulary=vocabulary)
    except (DatasetError, SectorsFileError, ValueError) as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    path = out_path or default_path()
    save(model, path)
    info = model.info["trained_on"]
    click.echo(f"wrote {path}: {info['items']} items from {', '.join(info['datasets']) or 'decisions'} "
               f"(tune splits), sha256 {info['sha256'][:16]}…")
    for key, value in model.info["figures"].items():
        if key != "positives":
            click.echo(f"  {key} {value}")
    click.echo(f"  thresholds {model.thresholds}; floor {model.floor}")
