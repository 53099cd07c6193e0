"""The reports as JSON under /api/v1/reports/…: the same Pydantic models the pages are built from,
so they appear in the OpenAPI schema. relay.web.api.BearerRoute turns a bearer token into
request.state.user before the ACCESS table is consulted (browsers may use their session)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request

from relay.db import transaction
from relay.reports.annual import REPORT_LANGUAGES, annual_report
from relay.reports.drilldown import alert_report, municipality_report
from relay.reports.national import national_report
from relay.reports.schemas import AlertReport, AnnualReport, MunicipalityReport, NationalReport
from relay.web.access import READERS, visible_office
from relay.web.api import BearerRoute
from relay.web.api_models import ERRORS, NOT_FOUND, SectorId
from relay.web.pages.dashboard.report_scope import (
    MAX_BODY,
    MAX_ID,
    MONTH,
    YEARS,
    check_alert,
    check_municipality,
    filters_from,
    fresh,
)

router = APIRouter(prefix="/api/v1/reports", route_class=BearerRoute, tags=["reports"], responses=ERRORS)
ACCESS = {"api_report_national": READERS, "api_report_alert": READERS, "api_report_municipality": READERS,
          "api_report_annual": READERS}


Month = Annotated[str | None, Query(pattern=MONTH.pattern, description="YYYY-MM (approval month, inclusive)")]
OrgId = Annotated[int | None, Query(ge=1, le=MAX_ID, description="organisation id of the office or county")]


@router.get("/national", response_model=NationalReport, name="api_report_national",
            summary="Reach and acknowledgement: the country (ministry, admin) or the caller's office (governor)")
def api_national(request: Request, start: Month = None, end: Month = None,
                 year: Annotated[int | None, Query(ge=YEARS[0], le=YEARS[1], description="approval year")] = None,
                 office: OrgId = None, county: OrgId = None,
                 sector: Annotated[SectorId | None, Query(description="sector id (config/sectors.toml)")] = None,
                 body: Annotated[str | None, Query(max_length=MAX_BODY, description="issuing body, e.g. ECHR")] = None,
                 ) -> NationalReport:
    """The parameters are typed here for the schema and checked again by filters_from, which also
    fixes a governor's office to its own and rejects an unknown sector or start after end."""
    filters = filters_from(request)
    fresh(request)
    with transaction(request.app.state.engine) as session:
        return national_report(session=session, filters=filters)


@router.get("/alerts/{alert_id}", response_model=AlertReport, name="api_report_alert", responses=NOT_FOUND,
            summary="One alert: every targeted municipality's ladder and its contacts'")
def api_alert(request: Request, alert_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> AlertReport:
    fresh(request)
    with transaction(request.app.state.engine) as session:
        check_alert(request, session, alert_id)
        return alert_report(session=session, alert_id=alert_id)


@router.get("/municipalities/{code}", response_model=MunicipalityReport, name="api_report_municipality", responses=NOT_FOUND,
            summary="One municipality's history")
def api_municipality(request: Request, code: str) -> MunicipalityReport:
    fresh(request)
    with transaction(request.app.state.engine) as session:
        check_municipality(request, session, code)
        return municipality_report(session=session, code=code, office_id=visible_office(request.state.user))


@router.get("/annual/{year}", response_model=AnnualReport, name="api_report_annual", responses=NOT_FOUND,
            summary="The annual evaluation's figures")
def api_annual(request: Request, year: Annotated[int, Path(ge=YEARS[0], le=YEARS[1])],
               language: Annotated[str, Query(pattern="^(nb|nn|en)$")] = "nb") -> AnnualReport:
    if language not in REPORT_LANGUAGES:
        raise HTTPException(status_code=404, detail="no such report")
    fresh(request)
    with transaction(request.app.state.engine) as session:
        return annual_report(session=session, year=year, language=language, office_id=visible_office(request.state.user))
