"""Did the information reach the municipalities? The dashboard, one alert and one municipality.

Ministries and admins see the country, governors their own office (relay.web.pages_report_scope).
Every page shows the definitions, and every table on it can be downloaded as CSV or XLSX."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from relay.db import transaction
from relay.models import ReportAlert
from relay.reports import charts
from relay.reports.drilldown import alert_report, municipality_report
from relay.reports.labels import Register, body_name, sector_names
from relay.reports.national import national_report
from relay.reports.tables import alert_tables, fmt, municipality_tables, national_tables
from relay.web.access import READERS, visible_office
from relay.web.pages_report_scope import MAX_ID, check_alert, check_municipality, fresh, read_filters
from relay.web.templating import render, request_language

router = APIRouter()
ACCESS = {"reports": READERS, "report_alert": READERS, "report_municipality": READERS}


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
    context = {
        "filters": filters, "errors": errors, "form": dict(request.query_params), "limit": MAX_ID,
        "offices": [] if visible_office(request.state.user) is not None else register.offices(),
        "counties": register.counties(), "sectors": sector_names(language), "bodies": bodies,
        "query": request.url.query, "fmt": fmt,
    }
    if errors:
        # The form comes back as it was sent, with what is wrong; no figures for a filter not understood.
        return render(request, "reports.html", context, status_code=400)
    with transaction(request.app.state.engine) as session:
        report = national_report(session=session, filters=filters, language=language)
    comparison = report.by_office if filters.office_id is None else report.by_county
    context.update({
        "report": report, "tables": {tb.key: tb for tb in national_tables(report, t)},
        "trend": charts.trend_chart(report.by_month, t),
        "bars": charts.bar_chart(comparison, t, "reports.chart.offices" if filters.office_id is None
                                 else "reports.chart.counties"),
        "bars_table": "by_office" if filters.office_id is None else "by_county",
        "tiles": charts.tile_grid(report.municipalities, t),
    })
    return render(request, "reports.html", context)


@router.get("/reports/alerts/{alert_id}", response_class=HTMLResponse, name="report_alert", include_in_schema=False)
def report_alert(request: Request, alert_id: int):
    fresh(request)
    with transaction(request.app.state.engine) as session:
        check_alert(request, session, alert_id)
        report = alert_report(session=session, alert_id=alert_id)
    tables = alert_tables(report, _t(request))
    return render(request, "report_alert.html", {"report": report, "tables": {tb.key: tb for tb in tables},
                                                 "body": body_name(report.alert.body, _t(request)), "fmt": fmt})


@router.get("/reports/municipalities/{code}", response_class=HTMLResponse, name="report_municipality",
            include_in_schema=False)
def report_municipality(request: Request, code: str):
    fresh(request)
    with transaction(request.app.state.engine) as session:
        check_municipality(request, session, code)
        report = municipality_report(session=session, code=code, office_id=visible_office(request.state.user))
    tables = municipality_tables(report, _t(request))
    return render(request, "report_municipality.html", {"report": report, "tables": {tb.key: tb for tb in tables},
                                                        "sectors": sector_names(request_language(request)), "fmt": fmt})


def _t(request: Request):
    from relay.i18n import translator

    return translator(request_language(request))
