"""The reports as JSON under /api/v1/reports/…: the same Pydantic models the pages are built from,
so they appear in the OpenAPI schema. relay.web.api.BearerRoute turns a bearer token into
request.state.user before the ACCESS table is consulted (browsers may use their session)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request

from relay.db import transaction
from relay.reports.annual import REPORT_LANGUAGES, annual_report
from relay.reports.drilldown import alert_report, municipality_report
from relay.reports.national import national_report
from relay.reports.schemas import AlertReport, AnnualReport, MunicipalityReport, NationalReport
from relay.web.access import READERS, visible_office
from relay.web.api import BearerRoute
from relay.web.pages_report_scope import check_alert, check_municipality, filters_from, fresh

router = APIRouter(prefix="/api/v1/reports", route_class=BearerRoute, tags=["reports"])
ACCESS = {"api_report_national": READERS, "api_report_alert": READERS, "api_report_municipality": READERS,
          "api_report_annual": READERS}


@router.get("/national", response_model=NationalReport, name="api_report_national",
            summary="Reach and acknowledgement: the country (ministry, admin) or the caller's office (governor)")
def api_national(request: Request, start: str | None = Query(None, description="YYYY-MM"),
                 end: str | None = Query(None, description="YYYY-MM"), year: int | None = None,
                 office: int | None = None, county: int | None = None, sector: str | None = None,
                 body: str | None = None) -> NationalReport:
    filters = filters_from(request)  # reads the same query parameters, and fixes a governor's office
    fresh(request)
    with transaction(request.app.state.engine) as session:
        return national_report(session=session, filters=filters)


@router.get("/alerts/{alert_id}", response_model=AlertReport, name="api_report_alert",
            summary="One alert: every targeted municipality's ladder and its contacts'")
def api_alert(request: Request, alert_id: int) -> AlertReport:
    fresh(request)
    with transaction(request.app.state.engine) as session:
        check_alert(request, session, alert_id)
        return alert_report(session=session, alert_id=alert_id)


@router.get("/municipalities/{code}", response_model=MunicipalityReport, name="api_report_municipality",
            summary="One municipality's history")
def api_municipality(request: Request, code: str) -> MunicipalityReport:
    fresh(request)
    with transaction(request.app.state.engine) as session:
        check_municipality(request, session, code)
        return municipality_report(session=session, code=code, office_id=visible_office(request.state.user))


@router.get("/annual/{year}", response_model=AnnualReport, name="api_report_annual",
            summary="The annual evaluation's figures")
def api_annual(request: Request, year: int, language: str = "nb") -> AnnualReport:
    if language not in REPORT_LANGUAGES or not 2000 <= year <= 2100:
        raise HTTPException(status_code=404, detail="no such report")
    fresh(request)
    with transaction(request.app.state.engine) as session:
        return annual_report(session=session, year=year, language=language, office_id=visible_office(request.state.user))
