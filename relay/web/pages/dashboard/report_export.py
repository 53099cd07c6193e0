"""Downloads: every report table as CSV or XLSX (the same rows as the page, for the same filters),
and the annual evaluation as HTML or PDF."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from relay.db import transaction
from relay.i18n import translator
from relay.models import utcnow
from relay.reports import readable
from relay.reports.annual import REPORT_LANGUAGES, annual_report, render_html, render_pdf
from relay.reports.drilldown import alert_report, municipality_report
from relay.reports.export import FORMATS, to_csv, to_xlsx
from relay.reports.labels import Register, body_name
from relay.reports.national import national_report
from relay.reports.schemas import AlertReport, MunicipalityReport
from relay.reports.tables import Table, alert_tables, municipality_tables, national_tables
from relay.reports.tables import fmt as shown  # as the tables show times: Norwegian time
from relay.web.access import READERS, visible_office
from relay.web.pages.dashboard.report_scope import check_alert, check_municipality, fresh, read_filters
from relay.web.pages.dashboard.reports import Scope, file_slug, report_scope, reports
from relay.web.templating import request_language

router = APIRouter()
ACCESS = {"report_export": READERS, "report_alert_export": READERS, "report_municipality_export": READERS,
          "report_annual": READERS, "report_annual_pdf": READERS}
TITLE_SLUG = 60  # an alert title in a file name: enough words to recognise it


def _download(tables: list[Table], table: str, fmt: str, name: str, language: str,
              scope: Scope | None = None) -> Response:
    """scope: the dashboard's filters, named in the file name (the CSV stays plain rows for tools)
    and, in a workbook, on a first sheet that says what the file holds."""
    if fmt not in FORMATS:
        raise HTTPException(status_code=404, detail="unknown format")
    chosen = tables if table == "all" else [tb for tb in tables if tb.key == table]
    if not chosen or (fmt == "csv" and len(chosen) > 1):
        raise HTTPException(status_code=404, detail="no such table")
    if fmt == "csv":
        body = to_csv(chosen[0], language)
    else:
        about = scope.rows if scope else None
        body = to_xlsx(chosen, about=about, about_title=translator(language)("reports.about_sheet"))
    filename = f"{name}-{scope.slug}-{table}.{fmt}" if scope and scope.slug else f"{name}-{table}.{fmt}"
    return Response(body, media_type=FORMATS[fmt], headers={"content-disposition": f'attachment; filename="{filename}"'})


@router.get("/reports/export/{table}.{fmt}", name="report_export", include_in_schema=False)
def report_export(request: Request, table: str, fmt: str):
    filters, errors = read_filters(request.query_params, request.state.user)
    if errors:  # the dashboard with its form and what is wrong in it, as /reports would answer
        return reports(request)
    language = request_language(request)
    fresh(request)
    t = translator(language)
    with transaction(request.app.state.engine) as session:
        report = readable.national(national_report(session=session, filters=filters, language=language),
                                   readable.official_names(session), language)
        scope = report_scope(filters, Register.load(session), t, language)
    return _download(national_tables(report, t), table, fmt, "relay-reach", language, scope)


@router.get("/reports/alerts/{alert_id}/export/{table}.{fmt}", name="report_alert_export", include_in_schema=False)
def report_alert_export(request: Request, alert_id: int, table: str, fmt: str):
    language = request_language(request)
    fresh(request)
    with transaction(request.app.state.engine) as session:
        check_alert(request, session, alert_id)
        report = readable.alert(alert_report(session=session, alert_id=alert_id),
                                readable.official_names(session))
        read_at = utcnow()
    t = translator(language)
    scope = alert_scope(report, read_at, t, language)
    return _download(alert_tables(report, t), table, fmt, f"relay-alert-{alert_id}", language, scope)


@router.get("/reports/municipalities/{code}/export/{table}.{fmt}", name="report_municipality_export",
            include_in_schema=False)
def report_municipality_export(request: Request, code: str, table: str, fmt: str):
    language = request_language(request)
    fresh(request)
    with transaction(request.app.state.engine) as session:
        check_municipality(request, session, code)
        report = readable.municipality(
            municipality_report(session=session, code=code, office_id=visible_office(request.state.user)),
            readable.official_names(session))
        read_at = utcnow()
    t = translator(language)
    scope = municipality_scope(report, read_at, t, language)
    return _download(municipality_tables(report, t), table, fmt, f"relay-municipality-{code}", language, scope)


def alert_scope(report: AlertReport, read_at: datetime, t: Callable[..., str], language: str = "nb") -> Scope:
    """Which alert, whose, and when: what a reader opening relay-alert-17-….xlsx a week later needs.
    The labels are the report tables' own column headings."""
    alert = report.alert
    rows = [(t("reports.col.alert_id"), str(alert.id)), (t("reports.col.title"), alert.title),
            (t("reports.col.body"), body_name(alert.body, t)), (t("reports.col.office"), alert.office),
            (t("reports.col.approved_at"), shown(alert.approved_at, "time", language)),
            (t("reports.figures_as_of"), shown(read_at, "time", language))]
    return Scope([alert.title], file_slug(alert.title, TITLE_SLUG), rows)


def municipality_scope(report: MunicipalityReport, read_at: datetime, t: Callable[..., str],
                       language: str = "nb") -> Scope:
    rows = [(t("reports.col.municipality"), report.name), (t("reports.col.code"), report.code),
            (t("reports.col.county"), report.county), (t("reports.col.office"), report.office),
            (t("reports.figures_as_of"), shown(read_at, "time", language))]
    return Scope([report.name], file_slug(report.name), rows)


def _annual(request: Request, year: int):
    if not 2000 <= year <= 2100:
        raise HTTPException(status_code=404, detail="no such year")
    language = request.query_params.get("lang") or request_language(request)
    language = language if language in REPORT_LANGUAGES else "nb"
    fresh(request)
    with transaction(request.app.state.engine) as session:
        report = annual_report(session=session, year=year, language=language,
                               office_id=visible_office(request.state.user))
        return report.model_copy(update={
            "national": readable.national(report.national, readable.official_names(session), language)})


@router.get("/reports/annual/{year}.pdf", name="report_annual_pdf", include_in_schema=False)
def report_annual_pdf(request: Request, year: str):
    if not year.isdigit():
        raise HTTPException(status_code=404, detail="no such year")
    pdf = render_pdf(_annual(request, int(year)))
    return Response(pdf, media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="relay-annual-{year}.pdf"'})


# After the .pdf route: "2025.pdf" would otherwise reach this one and fail int validation.
@router.get("/reports/annual/{year}", response_class=HTMLResponse, name="report_annual", include_in_schema=False)
def report_annual(request: Request, year: int):
    return HTMLResponse(render_html(_annual(request, year)))
