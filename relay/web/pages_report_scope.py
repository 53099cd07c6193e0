"""What a reader may see in the reports, shared by the report pages, the exports and the JSON API.

The role table (ACCESS) has already admitted ministry, admin or governor; here a governor is held
to its own office: its filters are forced to it, and another office's alert or municipality is 403.
"""

from __future__ import annotations

import re

from fastapi import HTTPException, Request

from relay.models import User
from relay.reports.drilldown import NotFound, alert_office, find_municipality
from relay.reports.refresh import ensure_fresh
from relay.reports.schemas import Filters
from relay.web.access import visible_office

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def filters_from(request: Request) -> Filters:
    """?start=&end= (YYYY-MM) or ?year=, and office, county, sector, body; a governor's office is fixed."""
    q = request.query_params
    start, end = q.get("start") or None, q.get("end") or None
    if q.get("year", "").isdigit():
        start, end = f"{q['year']}-01", f"{q['year']}-12"
    for value in (start, end):
        if value is not None and not MONTH.match(value):
            raise HTTPException(status_code=400, detail="months are YYYY-MM")
    office = visible_office(request.state.user)
    if office is None and q.get("office", "").isdigit():
        office = int(q["office"])
    county = int(q["county"]) if q.get("county", "").isdigit() else None
    return Filters(start=start, end=end, office_id=office, county_id=county, sector=q.get("sector") or None,
                   body=q.get("body") if q.get("body") not in (None, "") else None)


def ensure_visible(user: User, office_id: int | None) -> None:
    limit = visible_office(user)
    if limit is not None and limit != office_id:
        raise HTTPException(status_code=403, detail="forbidden")


def check_alert(request: Request, session, alert_id: int) -> None:
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
