"""Did the information reach the municipalities? The dashboard, one alert and one municipality.

Ministries and admins see the country, governors their own office (relay.web.pages.dashboard.report_scope).
Every page shows the definitions, and every table on it can be downloaded as CSV or XLSX."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from relay.dates import show_month
from relay.db import transaction
from relay.models import Alert, ReportAlert
from relay.reports import charts, readable
from relay.reports.drilldown import alert_report, municipality_report
from relay.reports.labels import Register, body_name, sector_names
from relay.reports.national import national_report
from relay.reports.reach import quiet_period
from relay.reports.schemas import Filters
from relay.reports.tables import alert_tables, fmt, municipality_tables, national_tables
from relay.web.access import READERS, visible_office
from relay.web.pages.dashboard.report_scope import (
    MAX_ID,
    check_alert,
    check_municipality,
    fresh,
    read_filters,
)
from relay.web.templating import render, request_language

router = APIRouter()
LONG_LIST, SHORT_LIST = 60, 25
ACCESS = {"reports": READERS, "report_alert": READERS, "report_municipality": READERS}
_ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a"})


@dataclass(frozen=True)
class Scope:
    """What a dashboard and its downloads cover: "Vestland · Barnevern · 2026" on the page, the same
    in a download's file name (relay-reach-vestland-child-welfare-2026-…) and its about sheet."""

    parts: list[str]
    slug: str
    rows: list[tuple[str, str]]

    @property
    def heading(self) -> str:
        return " · ".join(self.parts)


def report_scope(filters: Filters, register: Register, t: Callable[..., str], language: str) -> Scope:
    office = register.name(filters.office_id) if filters.office_id else None
    county = register.name(filters.county_id) if filters.county_id else None
    sector = sector_names(language).get(filters.sector, filters.sector) if filters.sector else None
    body = body_name(filters.body, t) if filters.body else None
    period, period_slug = _period(filters, t, language)
    # "Hele landet" only while no office or county narrows it; a sector or a period does not.
    places = [name for name in (office, county) if name] or [t("reports.scope_national")]
    parts = places + [text for text in (sector, body, period) if text]
    slugs = [file_slug(text) for text in (office, county, filters.sector, filters.body) if text] + [period_slug]
    every = t("reports.filter.all")
    rows = [(t("reports.col.scope"), " · ".join(parts)),
            (t("reports.filter.start"), show_month(filters.start, language) or "–"),
            (t("reports.filter.end"), show_month(filters.end, language) or "–"),
            (t("reports.col.office"), office or every), (t("reports.col.county"), county or every),
            (t("reports.col.sector"), sector or every), (t("reports.col.body"), body or every)]
    return Scope(parts, "-".join(s for s in slugs if s)[:120].strip("-"), rows)


def _period(filters: Filters, t: Callable[..., str], language: str = "nb") -> tuple[str, str]:
    """The period as the page shows it (03.2026–05.2026) and as a file name has it (2026-03-2026-05)."""
    start, end = filters.start, filters.end
    first, last = show_month(start, language), show_month(end, language)
    if start and end:
        if start[:4] == end[:4] and start[5:] == "01" and end[5:] == "12":
            return start[:4], start[:4]
        return (first, start) if start == end else (f"{first}–{last}", f"{start}-{end}")
    if start:
        return t("reports.scope_from", month=first), f"from-{start}"
    if end:
        return t("reports.scope_until", month=last), f"until-{end}"
    return "", ""


def file_slug(text: str, limit: int | None = None) -> str:
    """ASCII for a file name: "Møre og Romsdal" → "more-og-romsdal"; with a limit, cut at a word so that
    it is at most that long (a word that ends exactly at the limit is kept whole)."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_ASCII)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if limit is None or len(slug) <= limit:
        return slug
    cut = slug[:limit + 1]
    return cut.rsplit("-", 1)[0] if "-" in cut else slug[:limit]


@router.get("/reports", response_class=HTMLResponse, name="reports", include_in_schema=False)
def reports(request: Request):
    filters, errors = read_filters(request.query_params, request.state.user)
    language = request_language(request)
    t = _t(request)
    fresh(request)  # before the body list too: it is read from the roll-ups
    with transaction(request.app.state.engine) as session:
        register = Register.load(session)
        codes = [b for b in session.scalars(select(ReportAlert.body).distinct()) if b]
        bodies = sorted(((code, body_name(code, t)) for code in codes), key=lambda pair: pair[1])
        scope = report_scope(filters, register, t, language)
    context = {
        "filters": filters, "errors": errors, "form": dict(request.query_params), "limit": MAX_ID,
        "offices": [] if visible_office(request.state.user) is not None else register.offices(),
        "counties": register.counties(), "sectors": sector_names(language), "bodies": bodies,
        "query": request.url.query, "fmt": fmt, "scope": scope, "quiet_days": quiet_days(),
        # Past LONG_LIST municipalities the long lists show SHORT_LIST rows (the page stays under 100 KB).
        "long_list": LONG_LIST, "short_list": SHORT_LIST,
    }
    if errors:
        # The form comes back as it was sent, with what is wrong; no figures for a filter not understood.
        return render(request, "reports.html", context, status_code=400)
    with transaction(request.app.state.engine) as session:
        report = readable.national(national_report(session=session, filters=filters, language=language),
                                   readable.official_names(session), language)
    comparison = report.by_office if filters.office_id is None else report.by_county
    context.update({
        "report": report, "tables": {tb.key: tb for tb in national_tables(report, t)},
        "trend": charts.trend_chart(report.by_month, t, language),
        "bars": charts.bar_chart(comparison, t, "reports.chart.offices" if filters.office_id is None
                                 else "reports.chart.counties", language),
        "bars_table": "by_office" if filters.office_id is None else "by_county",
        "tiles": charts.tile_grid(report.municipalities, t, language),
    })
    return render(request, "reports.html", context)


@router.get("/reports/alerts/{alert_id}", response_class=HTMLResponse, name="report_alert", include_in_schema=False)
def report_alert(request: Request, alert_id: int):
    fresh(request)
    with transaction(request.app.state.engine) as session:
        check_alert(request, session, alert_id)
        report = readable.alert(alert_report(session=session, alert_id=alert_id),
                                readable.official_names(session))
        flagged = session.get(Alert, alert_id)  # machine texts nobody has read are flagged here too (issue 19)
        flagged = flagged if flagged is not None and flagged.unreviewed else None
    tables = alert_tables(report, _t(request))
    names = sector_names(request_language(request))
    return render(request, "report_alert.html", {"report": report, "tables": {tb.key: tb for tb in tables},
                                                 "quiet_days": quiet_days(),
                                                 "body": body_name(report.alert.body, _t(request)), "fmt": fmt,
                                                 "flagged": flagged,
                                                 "sectors": ", ".join(names.get(s, s) for s in report.alert.sectors)})


@router.get("/reports/municipalities/{code}", response_class=HTMLResponse, name="report_municipality",
            include_in_schema=False)
def report_municipality(request: Request, code: str):
    fresh(request)
    with transaction(request.app.state.engine) as session:
        check_municipality(request, session, code)
        report = readable.municipality(
            municipality_report(session=session, code=code, office_id=visible_office(request.state.user)),
            readable.official_names(session))
    tables = municipality_tables(report, _t(request))
    return render(request, "report_municipality.html", {"report": report, "tables": {tb.key: tb for tb in tables},
                                                        "sectors": sector_names(request_language(request)), "fmt": fmt,
                                                        "quiet_days": quiet_days()})


def quiet_days() -> str:
    """The quiet period as the definitions state it: "3", or "1.5" for a fraction of a day."""
    days = quiet_period().total_seconds() / 86400
    return f"{days:g}"


def _t(request: Request):
    from relay.i18n import translator

    return translator(request_language(request))
