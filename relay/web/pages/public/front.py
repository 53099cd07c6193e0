"""Public pages: the front page, the register of offices and municipalities, and /healthz."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from relay.db import transaction
from relay.mail.sender import municipality_name
from relay.register import list_municipalities, list_offices
from relay.web.access import PUBLIC
from relay.web.paging import matches, paginate
from relay.web.templating import render, request_language

router = APIRouter()
OFFICE_ROWS_PER_PAGE = 50
ACCESS = {"home": PUBLIC, "offices": PUBLIC, "healthz": PUBLIC, "readyz": PUBLIC}


@router.get("/", response_class=HTMLResponse, name="home", include_in_schema=False)
def home(request: Request):
    """The front page; with the demo's sample material loaded it also says what to try."""
    from sqlalchemy import select

    from relay.models import Source

    # the archive's feeds, announced (issue 23)
    from relay.web.pages.public.archive_feeds import announced_feeds

    with transaction(request.app.state.engine) as session:
        demo = session.scalars(select(Source.id).where(Source.key.like("demo-%")).limit(1)).first() is not None
    return render(request, "home.html", {"demo": demo, "archive_feeds": announced_feeds(request_language(request))})


@router.get("/offices", response_class=HTMLResponse, name="offices", include_in_schema=False)
def offices(request: Request):
    """The Statsforvalter offices and their municipalities with målform (written standard) and
    organisation numbers; searchable (?q=), one office at a time (?office=), 50 rows a page."""
    settings, q = request.app.state.settings, request.query_params
    query = q.get("q", "").strip()[:100]
    with transaction(request.app.state.engine) as session:
        offices = list_offices(session=session, profile=settings.profile)
        picked = next((o for o in offices if str(o.id) == q.get("office")), None)
        rows = []
        for office in ([picked] if picked else offices):
            for m in list_municipalities(session=session, office_id=office.id, profile=settings.profile):
                county = m.county.name if m.county else ""
                official = municipality_name(m)  # "Guovdageaidnu - Kautokeino" is found by either name
                if query and not matches(query, m.name, official, m.code, county, m.org_number, office.name):
                    continue
                rows.append({"office": office, "code": m.code, "name": official, "malform": m.malform,
                             "confirmed": m.malform_confirmed, "sami": m.sami_area, "county": county,
                             "org_number": m.org_number or "", "source": m.malform_source})
    pager = paginate(rows, path="/offices", query=q, size=OFFICE_ROWS_PER_PAGE)
    groups = [{"office": office, "municipalities": [r for r in pager.rows if r["office"] is office]}
              for office in ([picked] if picked else offices)]
    # Where each målform comes from and as of when (config/register: every source names its date).
    sources = sorted({r["source"] for r in rows if r["source"]})
    return render(request, "offices.html", {
        "groups": [g for g in groups if g["municipalities"]], "offices": offices, "picked": picked,
        "query": query, "pager": pager, "malform_sources": sources})


@router.get("/healthz", name="healthz", response_class=PlainTextResponse, include_in_schema=False)
def healthz():
    """The process is up."""
    return "ok"


@router.get("/readyz", name="readyz", include_in_schema=False)
def readyz(request: Request):
    """Ready to serve: the database answers, its schema is current, and a scheduler leads."""
    from datetime import timedelta

    from fastapi.responses import JSONResponse
    from sqlalchemy import select

    from relay import migrate
    from relay.models import Heartbeat, utcnow

    checks = {}
    engine = request.app.state.engine
    try:
        checks["database"] = "ok"
        checks["migrations"] = "ok" if migrate.is_current(engine) else "behind"
        with transaction(engine) as session:
            leader = session.scalars(select(Heartbeat).where(
                Heartbeat.is_leader.is_(True), Heartbeat.seen_at > utcnow() - timedelta(minutes=2))).first()
        checks["scheduler"] = "ok" if leader else "no leader"
    except Exception as exc:  # noqa: BLE001 - report, do not crash the probe
        checks["database"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(checks, status_code=200 if ready else 503)
