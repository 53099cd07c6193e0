"""A survey's results as tables (page, CSV, XLSX, CLI and the annual chapter share them): response rate by
office and county, sufficiency by sector, each municipality's answer beside its reach and acknowledgement
figures, and the free text (only for the office or ministry that asked)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from statistics import mean

from sqlalchemy.orm import Session

from relay.i18n import translator
from relay.models import Organisation, Survey
from relay.reports.tables import Column, Table
from relay.sectors import sector_names
from relay.settings import Settings
from relay.surveys.answers import answers_by_municipality, municipality_answer
from relay.surveys.define import OFFICE_KINDS
from relay.surveys.evidence import rungs_for, tally_by_municipality
from relay.surveys.send import scope

ENOUGH = 4  # 4 or 5 on the scale: "enough" or "fully enough"


@dataclass
class Results:
    survey: Survey
    invited: int
    answered: int
    tables: list[Table]  # by_office, by_county, by_sector, municipalities
    free_text: Table | None  # None for readers who did not ask

    @property
    def rate(self) -> float | None:
        return round(100 * self.answered / self.invited, 1) if self.invited else None


def _rate_table(key: str, caption: str, first: str, groups: dict[str, list[bool]], t) -> Table:
    table = Table(key=key, caption=caption, columns=[
        Column("label", first), Column("invited", t("survey.col.invited"), "int"),
        Column("answered", t("survey.col.answered"), "int"), Column("rate", t("survey.col.rate"), "pct")])
    for label in sorted(groups):
        flags = groups[label]
        table.rows.append([label, len(flags), sum(flags), round(100 * sum(flags) / len(flags), 1)])
    return table


def survey_results(*, session: Session, settings: Settings, survey: Survey, language: str, may_read_text: bool,
                   office_id: int | None = None) -> Results:
    """office_id limits the figures to that office's municipalities (a governor reading a national survey)."""
    t, names = translator(language), sector_names(language)
    municipalities = [m for m in scope(session, settings, survey) if office_id is None or m.office_id == office_id]
    # Every municipality in scope counts, asked or not: one without any address is a gap, not an exclusion.
    answers = answers_by_municipality(session, survey.id)
    offices = {o.id: o.name for o in session.query(Organisation).filter(Organisation.kind.in_(OFFICE_KINDS))}
    start = datetime.combine(survey.opens_on - timedelta(days=365), datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(survey.closes_on + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    tallies = tally_by_municipality(rungs_for(session=session, municipality_ids=[m.id for m in municipalities],
                                              start=start, end=end))
    by_office, by_county, scores = defaultdict(list), defaultdict(list), defaultdict(list)
    rows = Table(key="municipalities", caption=t("survey.table.municipalities"), columns=[
        Column("municipality", t("survey.col.municipality")), Column("office", t("survey.col.office")),
        Column("responder", t("survey.col.responder")), Column("submitted", t("survey.col.submitted"), "time"),
        Column("earlier", t("survey.col.earlier"), "int"), Column("score", t("survey.col.score"), "hours"),
        Column("targeted", t("survey.col.targeted"), "int"), Column("reached", t("survey.col.reached"), "pct"),
        Column("acknowledged", t("survey.col.acknowledged"), "pct"),
        Column("following_up", t("survey.col.following_up"), "pct")])
    for muni in municipalities:
        chosen = municipality_answer(answers.get(muni.id, []))
        by_office[offices.get(muni.office_id, "–")].append(chosen is not None)
        by_county[muni.county.name if muni.county else "–"].append(chosen is not None)
        if chosen is not None:
            for sector, value in chosen.sufficiency.items():
                scores[sector].append(int(value))
        tally = tallies.get(muni.id)
        given = [int(v) for v in chosen.sufficiency.values()] if chosen else []
        rows.rows.append([
            f"{muni.code} {muni.name}", offices.get(muni.office_id, "–"), chosen.responder_name if chosen else "",
            chosen.submitted_at if chosen else None, max(0, len(answers.get(muni.id, [])) - 1),
            round(mean(given), 1) if given else None, tally.targeted if tally else 0,
            tally.share("reached") if tally else None, tally.share("acknowledged") if tally else None,
            tally.share("following_up") if tally else None])
    by_sector = Table(key="by_sector", caption=t("survey.table.by_sector"), columns=[
        Column("sector", t("survey.col.sector")), Column("answers", t("survey.col.answers"), "int"),
        Column("score", t("survey.col.score"), "hours"), Column("enough", t("survey.col.enough"), "pct")])
    for sector in survey.sectors:
        given = scores.get(sector, [])
        by_sector.rows.append([names.get(sector, sector), len(given), round(mean(given), 1) if given else None,
                               round(100 * sum(v >= ENOUGH for v in given) / len(given), 1) if given else None])
    tables = [_rate_table("by_office", t("survey.table.by_office"), t("survey.col.office"), by_office, t),
              _rate_table("by_county", t("survey.table.by_county"), t("survey.col.county"), by_county, t),
              by_sector, rows]
    answered = sum(1 for m in municipalities if municipality_answer(answers.get(m.id, [])))
    return Results(survey=survey, invited=len(municipalities), answered=answered, tables=tables,
                   free_text=_free_text(answers, municipalities, t) if may_read_text else None)


def _free_text(answers, municipalities, t) -> Table:
    """Every answer's own words, the municipality's answer marked; earlier answers are kept and shown."""
    table = Table(key="free_text", caption=t("survey.table.free_text"), columns=[
        Column("municipality", t("survey.col.municipality")), Column("responder", t("survey.col.responder")),
        Column("submitted", t("survey.col.submitted"), "time"), Column("counts", t("survey.col.counts")),
        Column("useful", t("survey.q.useful")), Column("missing", t("survey.q.missing")),
        Column("actions", t("survey.q.actions"))])
    for muni in municipalities:
        rows = answers.get(muni.id, [])
        chosen = municipality_answer(rows)
        for answer in rows:
            table.rows.append([f"{muni.code} {muni.name}", answer.responder_name, answer.submitted_at,
                               t("survey.yes") if answer is chosen else t("survey.no"), answer.useful,
                               answer.missing, answer.actions])
    return table
