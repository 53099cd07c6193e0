"""A municipality's own overview of what it was sent and how it followed up: for its signed-in contacts,
its office's governors, the ministries (read-only, to evaluate whether municipalities receive enough) and
administrators. As a page, a printable page, CSV and XLSX; every route here only reads."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from relay.archive.municipality import overview
from relay.db import transaction
from relay.i18n import translator
from relay.models import Contact, Organisation, User
from relay.reports.export import FORMATS, to_csv, to_xlsx
from relay.reports.refresh import ensure_fresh
from relay.reports.tables import fmt
from relay.web.templating import render, request_language

router = APIRouter()
# The municipality's people, its office and the ministries; object rules (which municipality) in
# ensure_municipality. Only GET routes: no role changes anything through the overview.
OWN = frozenset({"admin", "ministry", "governor", "contact"})
ACCESS = {"municipality_overview": OWN, "municipality_overview_print": OWN, "municipality_overview_export": OWN,
          "municipality_overview_pick": OWN}


def ensure_municipality(session, user: User, municipality: Organisation) -> None:
    """Admins and ministries anywhere (a ministry evaluates every municipality: the national human rights
    institution asks central government to); a governor for its office's municipalities; a contact for
    its own municipality."""
    if user.role in ("admin", "ministry"):
        return
    if user.role == "governor" and user.office_id is not None and user.office_id == municipality.office_id:
        return
    if user.role == "contact" and user.contact_id is not None:
        contact = session.get(Contact, user.contact_id)
        if contact is not None and contact.municipality_id == municipality.id:
            return
    raise HTTPException(status_code=403, detail="forbidden")


def _load(request: Request, session, code: str):
    municipality = session.scalars(select(Organisation).where(
        Organisation.code == code, Organisation.kind.in_(("municipality", "kommun")))).first()
    if municipality is None:
        raise HTTPException(status_code=404, detail="no such municipality")
    ensure_municipality(session, request.state.user, municipality)
    return overview(session=session, municipality=municipality, language=request_language(request))


@router.get("/municipalities/overview", name="municipality_overview_pick", include_in_schema=False)
def municipality_overview_pick(request: Request):
    """The archive's "open a municipality's overview" form: ?code= → that overview (checked there)."""
    code = str(request.query_params.get("code", ""))
    if not code.isdigit() or len(code) > 4:
        raise HTTPException(status_code=404, detail="no such municipality")
    return RedirectResponse(f"/municipalities/{code}/overview", status_code=303)


def pickable(session, user: User | None) -> list[Organisation]:
    """The municipalities whose overview a governor (its office's), a ministry or an administrator (all)
    may open."""
    if user is None or user.role not in ("governor", "ministry", "admin"):
        return []
    query = select(Organisation).where(Organisation.kind.in_(("municipality", "kommun"))).order_by(
        Organisation.name).options(selectinload(Organisation.names))  # the picker shows official names
    if user.role == "governor":
        query = query.where(Organisation.office_id == user.office_id)
    return list(session.scalars(query))


@router.get("/municipalities/{code}/overview", response_class=HTMLResponse, name="municipality_overview",
            include_in_schema=False)
def municipality_overview(request: Request, code: str):
    ensure_fresh(request.app.state.engine)
    with transaction(request.app.state.engine) as session:
        return render(request, "municipality_overview.html", {"view": _load(request, session, code),
                                                                 "fmt": fmt, "base": f"/municipalities/{code}/overview"})


@router.get("/municipalities/{code}/overview/print", response_class=HTMLResponse,
            name="municipality_overview_print", include_in_schema=False)
def municipality_overview_print(request: Request, code: str):
    """The same tables without menus or forms, for printing or saving as PDF from the browser."""
    ensure_fresh(request.app.state.engine)
    with transaction(request.app.state.engine) as session:
        return render(request, "municipality_overview_print.html", {"view": _load(request, session, code),
                                                                       "fmt": fmt})


@router.get("/municipalities/{code}/overview/{table}.{fmt}", name="municipality_overview_export",
            include_in_schema=False)
def municipality_overview_export(request: Request, code: str, table: str, fmt: str):
    ensure_fresh(request.app.state.engine)
    language = request_language(request)
    with transaction(request.app.state.engine) as session:
        view = _load(request, session, code)  # who may see it first, then whether the file exists
    if table not in ("alerts", "sectors") or fmt not in FORMATS:
        raise HTTPException(status_code=404, detail="no such file")
    t = translator(language)
    chosen = view.alerts if table == "alerts" else view.by_sector
    if fmt == "csv":
        body = to_csv(chosen, language).encode("utf-8")
    else:
        about = [(t("archive.overview.municipality"), f"{view.municipality.code} {view.municipality.name}")]
        body = to_xlsx([chosen], about=about, about_title=t("archive.overview.about"))
    filename = f"relay-{view.municipality.code}-{table}.{fmt}"
    return Response(body, media_type=FORMATS[fmt], headers={"content-disposition": f'attachment; filename="{filename}"'})
