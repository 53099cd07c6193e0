"""What a reader may see in the reports, shared by the report pages, the exports and the JSON API.

The role table (ACCESS) has already admitted ministry, admin or governor; here a governor is held
to its own office: its filters are forced to it, and another office's alert or municipality is 403.
"""

from __future__ import annotations

import re

from fastapi import HTTPException, Request

from relay.dates import parse_month
from relay.i18n import translator
from relay.models import User
from relay.reports.drilldown import NotFound, alert_office, find_municipality
from relay.reports.labels import sector_names
from relay.reports.refresh import ensure_fresh
from relay.reports.schemas import Filters
from relay.web.access import visible_office

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# Ids are 32-bit integers on PostgreSQL; anything larger is an error here, not an overflow there.
MAX_ID = 2**31 - 1
YEARS = (2000, 2100)
MAX_BODY = 40  # report_cell.body


class FilterErrors(ValueError):
    """Query parameters that are not valid filters: field → message key (reports.error.*)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(errors))
        self.errors = errors


def bounded_id(value: str | None) -> int | None:
    """A database id from a query parameter, or None when absent; ValueError when not 1…MAX_ID."""
    if value in (None, ""):
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise ValueError(value)
    return int(value)


def read_filters(params, user: User) -> tuple[Filters, dict[str, str]]:
    """The filters a reader may use, and the problems with the ones given (field → message key).
    Invalid values are left out of the filters; a governor's office is always its own."""
    errors: dict[str, str] = {}
    start, end = params.get("start") or None, params.get("end") or None
    year = params.get("year") or None
    if year is not None:
        if year.isdigit() and YEARS[0] <= int(year) <= YEARS[1]:
            start, end = f"{year}-01", f"{year}-12"
        else:
            errors["year"] = "reports.error.year"
    # Typed as the form's hint says (03.2026, or a day in the month: 15.03.2026) or as links carry it (2026-03).
    months = {}
    for name, value in (("start", start), ("end", end)):
        months[name] = parse_month(value) if value is not None and "year" not in errors else value
        if value is not None and months[name] is None:
            errors[name] = "reports.error.month"
    start, end = months["start"], months["end"]
    if start and end and "start" not in errors and "end" not in errors and start > end:
        errors["end"] = "reports.error.order"
    ids = {}
    for name in ("office", "county"):
        try:
            ids[name] = bounded_id(params.get(name))
        except ValueError:
            errors[name], ids[name] = "reports.error.id", None
    sector = params.get("sector") or None
    if sector is not None and sector not in sector_names("nb"):
        errors["sector"], sector = "reports.error.sector", None
    body = params.get("body") or None
    if body is not None and len(body) > MAX_BODY:
        errors["body"], body = "reports.error.body", None
    office = visible_office(user)
    filters = Filters(start=None if {"start", "year"} & errors.keys() else start,
                      end=None if {"end", "year"} & errors.keys() else end,
                      office_id=office if office is not None else ids["office"], county_id=ids["county"],
                      sector=sector, body=body)
    return filters, errors


def filters_from(request: Request) -> Filters:
    """The filters of an export or API call; a bad value answers 400 with every problem named."""
    filters, errors = read_filters(request.query_params, request.state.user)
    if errors:
        t = translator("en")
        raise HTTPException(status_code=400, detail=[
            {"loc": ["query", name], "msg": t(key, limit=MAX_ID), "type": "value_error"} for name, key in errors.items()])
    return filters


def ensure_visible(user: User, office_id: int | None) -> None:
    limit = visible_office(user)
    if limit is not None and limit != office_id:
        raise HTTPException(status_code=403, detail="forbidden")


def check_alert(request: Request, session, alert_id: int) -> None:
    if not 1 <= alert_id <= MAX_ID:
        raise HTTPException(status_code=404, detail="no such alert")
    try:
        ensure_visible(request.state.user, alert_office(session, alert_id))
    except NotFound as exc:
        raise HTTPException(status_code=404, detail="no such alert") from exc


def check_municipality(request: Request, session, code: str):
    try:
        muni = find_municipality(session, code)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail="no such municipality") from exc
    ensure_visible(request.state.user, muni.office_id)
    return muni


def fresh(request: Request) -> None:
    """Count what arrived since the last look (cheap when nothing did)."""
    ensure_fresh(request.app.state.engine)
