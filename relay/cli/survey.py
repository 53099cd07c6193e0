"""`relay survey`: define, send, remind and read the sufficiency survey (the same functions as the pages)."""

from __future__ import annotations

import sys
from datetime import date

import click
from sqlalchemy import or_, select

from relay.cli.common import engine_for, settings_or_exit
from relay.db import transaction
from relay.models import Organisation, Survey
from relay.reports.export import to_csv, to_text, to_xlsx
from relay.reports.refresh import ensure_fresh
from relay.sectors import sector_ids
from relay.surveys.define import NO_NATIONAL, OFFICE_KINDS, SurveyDraft, SurveyError, create_survey
from relay.surveys.results import survey_results
from relay.surveys.send import close_due, send_or_schedule
from relay.surveys.send import remind as remind_survey


@click.group()
def survey() -> None:
    """Do the municipalities get enough information? Ask them, remind them, read the answers."""


def _organisation(session, kinds: tuple[str, ...], code: str) -> Organisation:
    found = session.scalars(select(Organisation).where(
        Organisation.kind.in_(kinds), or_(Organisation.code == code, Organisation.org_number == code))).first()
    if found is None:
        raise click.UsageError(f"no {' or '.join(kinds)} {code}")
    return found


@survey.command()
@click.option("--title", required=True)
@click.option("--ministry", help="ministry code: a national survey to every municipality")
@click.option("--office", help="office organisation number: a survey to that office's municipalities")
@click.option("--opens", "opens_on", type=click.DateTime(["%Y-%m-%d"]), default=str(date.today()), show_default=True)
@click.option("--closes", "closes_on", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--sector", "sectors", multiple=True, help="sector id (repeat; default: every sector)")
@click.option("--yearly", is_flag=True, help="create next year's survey when this one closes")
def create(title, ministry, office, opens_on, closes_on, sectors, yearly) -> None:
    """Define a survey (a draft until it is sent). Prints its id."""
    if bool(ministry) == bool(office):
        raise click.UsageError("give either --ministry (national) or --office")
    settings = settings_or_exit()
    if ministry and settings.profile in NO_NATIONAL:
        raise click.UsageError(f"no national survey in the '{settings.profile}' profile: "
                               f"{NO_NATIONAL[settings.profile]} (--office)")
    with transaction(engine_for(settings)) as session:
        asker = _organisation(session, ("ministry",) if ministry else OFFICE_KINDS, ministry or office)
        draft = SurveyDraft(title=title, asked_by_id=asker.id, office_id=asker.id if office else None,
                            opens_on=opens_on.date(), closes_on=closes_on.date(), sectors=list(sectors) or sector_ids(),
                            repeat="yearly" if yearly else "once")
        try:
            created = create_survey(session=session, draft=draft, known_sectors=set(sector_ids()), actor=None)
        except SurveyError as exc:
            raise click.UsageError(str(exc)) from exc
        click.echo(created.id)


def _act(action, survey_id: int, verb: str) -> None:
    settings = settings_or_exit()
    with transaction(engine_for(settings)) as session:
        close_due(session=session, today=date.today())
    with transaction(engine_for(settings)) as session:
        try:
            report = action(session=session, settings=settings, survey_id=survey_id)
        except SurveyError as exc:
            raise click.ClickException(str(exc)) from exc
    if report.scheduled:
        click.echo("scheduled: it is sent on its opening day")
        return
    click.echo(f"{verb}: {report.invitations} e-mails to {report.municipalities} municipalities")
    if report.without_address:
        click.echo(f"without a contact or postmottak: {' '.join(report.without_address)}", err=True)


@survey.command()
@click.argument("survey_id", type=int)
def send(survey_id) -> None:
    """Send the survey to every municipality in its scope (again: only to those not yet asked); before its
    opening day, schedule it to go out on that day."""
    _act(send_or_schedule, survey_id, "sent")


@survey.command()
@click.argument("survey_id", type=int)
def remind(survey_id) -> None:
    """Remind every municipality that has not answered (at most once a day)."""
    _act(remind_survey, survey_id, "reminded")


@survey.command()
@click.argument("survey_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "xlsx"]), default="table", show_default=True)
@click.option("--lang", type=click.Choice(["nb", "nn", "en"]), default="nb", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="write here instead of stdout")
def results(survey_id, fmt, lang, output) -> None:
    """Response rates by office and county, sufficiency by sector, answers beside reach, and the free text."""
    settings = settings_or_exit()
    engine = engine_for(settings)
    ensure_fresh(engine)
    with transaction(engine) as session:
        found = session.get(Survey, survey_id)
        if found is None:
            raise click.ClickException(f"no survey {survey_id}")
        result = survey_results(session=session, settings=settings, survey=found, language=lang, may_read_text=True)
    tables = result.tables + [result.free_text]
    if fmt == "xlsx":
        if not output:
            raise click.UsageError("--format xlsx needs --output FILE")
        with open(output, "wb") as handle:
            handle.write(to_xlsx(tables))
        return
    data = "\n".join(to_csv(tb, lang) for tb in tables) if fmt == "csv" else to_text(tables, lang)
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(data)
    else:
        sys.stdout.write(data)
