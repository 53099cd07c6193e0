"""`relay report`: the report pages' figures on the command line (the same functions, the same tables)."""

from __future__ import annotations

import sys

import click

from relay.db import get_engine, transaction
from relay.i18n import translator
from relay.reports import readable
from relay.reports.annual import annual_report, render_html, render_pdf
from relay.reports.drilldown import NotFound, alert_report, municipality_report
from relay.reports.export import to_csv, to_text, to_xlsx
from relay.reports.national import national_report
from relay.reports.refresh import ensure_fresh, rebuild
from relay.reports.schemas import Filters
from relay.reports.tables import alert_tables, municipality_tables, national_tables

FORMATS = ("table", "csv", "json", "xlsx", "pdf")


def _options(command):
    command = click.option("--output", "-o", type=click.Path(dir_okay=False), help="write here instead of stdout")(command)
    command = click.option("--lang", type=click.Choice(["nb", "nn", "en", "sv"]), default="nb", show_default=True)(command)
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)(command)


def _month(_ctx, param, value: str | None) -> str | None:
    from relay.web.pages.dashboard.report_scope import MONTH

    if value is not None and not MONTH.match(value):
        raise click.BadParameter(f"{value!r} is not a month; give YYYY-MM, e.g. 2025-03", param=param)
    return value


def _period(command):
    command = click.option("--year", type=click.IntRange(2000, 2100),
                           help="approval year (same as --start YYYY-01 --end YYYY-12)")(command)
    command = click.option("--start", callback=_month, help="first approval month, YYYY-MM")(command)
    command = click.option("--end", callback=_month, help="last approval month, YYYY-MM")(command)
    command = click.option("--county", help="county number (fylkesnummer)")(command)
    command = click.option("--sector", help="sector id")(command)
    return click.option("--body", help="issuing body, e.g. ECHR")(command)


@click.group()
def report() -> None:
    """Did the information reach the municipalities? Reach and acknowledgement figures."""


def _emit(report_model, tables, fmt: str, output: str | None, lang: str, pdf=None) -> None:
    if fmt == "json":
        data: str | bytes = report_model.model_dump_json(indent=2) + "\n"
    elif fmt == "csv":
        data = "\n".join(to_csv(tb, lang) for tb in tables)  # one block per table, blank line between
    elif fmt == "xlsx":
        data = to_xlsx(tables)
    elif fmt == "pdf":
        if pdf is None:
            raise click.UsageError("PDF is made for the annual report only")
        data = pdf()
    else:
        data = to_text(tables, lang)
    if isinstance(data, bytes) and output is None:
        raise click.UsageError(f"--format {fmt} needs --output FILE")
    if output:
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(output, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as handle:
            handle.write(data)
        click.echo(f"wrote {output}", err=True)
    else:
        sys.stdout.write(data)


def _filters(session, year, start, end, county, sector, body, office_id=None) -> Filters:
    from sqlalchemy import select

    from relay.models import Organisation

    if year:
        start, end = f"{year}-01", f"{year}-12"
    county_id = None
    if county:
        county_id = session.scalar(select(Organisation.id).where(Organisation.kind == "county", Organisation.code == county))
        if county_id is None:
            raise click.UsageError(f"no county {county}")
    return Filters(start=start, end=end, office_id=office_id, county_id=county_id, sector=sector, body=body)


def _national(office: str | None, fmt, output, lang, **period) -> None:
    from sqlalchemy import or_, select

    from relay.models import Organisation

    engine = get_engine()
    ensure_fresh(engine)
    with transaction(engine) as session:
        office_id = None
        if office:
            office_id = session.scalar(select(Organisation.id).where(
                Organisation.kind == "office", or_(Organisation.org_number == office, Organisation.code == office)))
            if office_id is None:
                raise click.UsageError(f"no office with organisation number {office}")
        result = readable.national(
            national_report(session=session, filters=_filters(session, office_id=office_id, **period), language=lang),
            readable.official_names(session), lang)
    _emit(result, national_tables(result, translator(lang)), fmt, output, lang)


@report.command()
@_options
@_period
def national(fmt, output, lang, **period) -> None:
    """The whole country: by office, county, sector, source and month, gaps and bounces."""
    _national(None, fmt, output, lang, **period)


@report.command()
@click.argument("orgnr")
@_options
@_period
def office(orgnr, fmt, output, lang, **period) -> None:
    """One governor's office (by organisation number): the same figures for its region."""
    _national(orgnr, fmt, output, lang, **period)


@report.command()
@click.argument("alert_id", type=int)
@_options
def alert(alert_id, fmt, output, lang) -> None:
    """One alert: which municipalities acknowledged, which did not, and each contact's ladder."""
    engine = get_engine()
    ensure_fresh(engine)
    try:
        with transaction(engine) as session:
            result = readable.alert(alert_report(session=session, alert_id=alert_id),
                                    readable.official_names(session))
    except NotFound as exc:
        raise click.UsageError(str(exc)) from exc
    _emit(result, alert_tables(result, translator(lang)), fmt, output, lang)


@report.command()
@click.argument("code")
@_options
def municipality(code, fmt, output, lang) -> None:
    """One municipality (by kommunenummer): every alert it was sent and how far each got."""
    engine = get_engine()
    ensure_fresh(engine)
    try:
        with transaction(engine) as session:
            result = readable.municipality(municipality_report(session=session, code=code),
                                           readable.official_names(session))
    except NotFound as exc:
        raise click.UsageError(str(exc)) from exc
    _emit(result, municipality_tables(result, translator(lang)), fmt, output, lang)


@report.command()
@click.argument("year", type=int)
@_options
def annual(year, fmt, output, lang) -> None:
    """The annual evaluation (method, coverage, reach, acknowledgement, gaps); --format pdf for the PDF."""
    engine = get_engine()
    ensure_fresh(engine)
    with transaction(engine) as session:
        result = annual_report(session=session, year=year, language=lang)
        result = result.model_copy(update={
            "national": readable.national(result.national, readable.official_names(session), lang)})
    if fmt == "table" and output and output.endswith(".html"):
        fmt = "html"
    if fmt == "html":
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(render_html(result))
        return
    _emit(result, national_tables(result.national, translator(lang), annual=True), fmt, output, lang,
          pdf=lambda: render_pdf(result))


@report.command("rebuild")
def rebuild_cmd() -> None:
    """Count everything again from the source tables (after a change of definitions)."""
    with transaction(get_engine()) as session:
        count = rebuild(session=session)
    click.echo(f"recounted {count} alerts")
