"""A finished report as its reader reads it, on pages, in downloads and in CLI tables.

The report queries carry each municipality's plain register name ("Kautokeino") beside its code and
each month as "2026-03"; what a reader sees is the official name of the day
(relay.mail.sender.municipality_name: "Guovdageaidnu - Kautokeino" in the Sámi administrative area),
as in mail and on every other page, and the month in the language's date order (03.2026). Both are
put in here, on the finished report, so the counting code stays as it is.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from relay.dates import show_month
from relay.mail.sender import municipality_name
from relay.models import Organisation
from relay.reports.schemas import AlertReport, MunicipalityReport, NationalReport

MUNICIPALITY_KINDS = ("municipality", "kommun")


def official_names(session: Session, *, on: date | None = None) -> dict[str, str]:
    """Municipality code → official name, for the municipalities that have a name form of their own
    (the rest keep the name the report already holds)."""
    query = (select(Organisation).where(Organisation.kind.in_(MUNICIPALITY_KINDS), Organisation.names.any())
             .options(selectinload(Organisation.names)))
    return {m.code: municipality_name(m, on) for m in session.scalars(query)}


def national(report: NationalReport, names: dict[str, str], language: str = "nb") -> NationalReport:
    return report.model_copy(update={
        "by_month": [f.model_copy(update={"label": show_month(f.key, language)}) for f in report.by_month],
        "municipalities": [_renamed(m, "name", m.code, names) for m in report.municipalities],
        "gaps": [_renamed(g, "name", g.code, names) for g in report.gaps],
        "bouncing": [_renamed(c, "municipality", c.municipality_code, names) for c in report.bouncing],
    })


def alert(report: AlertReport, names: dict[str, str]) -> AlertReport:
    return report.model_copy(update={
        "municipalities": [_renamed(p, "municipality", p.code, names) for p in report.municipalities]})


def municipality(report: MunicipalityReport, names: dict[str, str]) -> MunicipalityReport:
    return report.model_copy(update={
        "name": names.get(report.code, report.name),
        "alerts": [_renamed(p, "municipality", p.code, names) for p in report.alerts],
        "contacts": [_renamed(c, "municipality", c.municipality_code, names) for c in report.contacts],
    })


def _renamed(row, field: str, code: str, names: dict[str, str]):
    official = names.get(code)
    return row if official is None or official == getattr(row, field) else row.model_copy(update={field: official})
