"""The governor's contact administration: contacts in the region, add one or import a CSV, the
municipalities' fallback addresses and sign-up domains, and the coverage gaps."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from relay import audit
from relay.contacts import ContactError, coverage_gaps, import_csv, save_contact, set_fallback
from relay.db import transaction
from relay.mail.sender import municipality_name
from relay.models import FREQUENCIES, Contact, Organisation
from relay.sectors import sector_names
from relay.web.access import CURATORS, READERS, ensure_office
from relay.web.paging import matches, paginate
from relay.web.templating import render, request_language

router = APIRouter()
ACCESS = {"contacts": CURATORS, "contacts_add": CURATORS, "contacts_import": CURATORS,
          "municipality_settings": CURATORS, "coverage": READERS}
MAX_CSV_BYTES = 1_000_000
CONTACTS_PER_PAGE = 25


def _office_id(request: Request) -> int | None:
    """A governor's own office; an admin or ministry user may pick one with ?office= (None: all)."""
    user = request.state.user
    if user.role == "governor":
        return user.office_id
    asked = request.query_params.get("office")
    return int(asked) if asked and asked.isdigit() else None


def _page(request, session, office_id, **extra):
    query = select(Contact).join(Organisation, Organisation.id == Contact.municipality_id).where(
        Contact.status != "erased").order_by(Organisation.name, Contact.email).options(
        selectinload(Contact.municipality).selectinload(Organisation.names))
    munis = select(Organisation).where(Organisation.kind.in_(["municipality", "kommun"]),
                                       Organisation.profile == request.app.state.settings.profile).order_by(
        Organisation.name).options(selectinload(Organisation.names))
    if office_id is not None:
        query = query.where(Organisation.office_id == office_id)
        munis = munis.where(Organisation.office_id == office_id)
    search = request.query_params.get("q", "").strip()[:100]
    found = [c for c in session.scalars(query) if not search or matches(
        search, c.municipality.name, municipality_name(c.municipality), c.municipality.code, c.email, c.name)]
    pager = paginate(found, path="/contacts", query=request.query_params, size=CONTACTS_PER_PAGE)
    context = {"contacts": pager.rows, "pager": pager, "query": search,
               "municipalities": session.scalars(munis).all(),
               "sectors": sector_names(request_language(request)), "frequencies": FREQUENCIES,
               "values": {"sectors": [], "frequency": "weekly"}, "errors": {}, "report": None, "muni_form": None}
    context.update(extra)
    return render(request, "contacts.html", context, status_code=400 if extra.get("errors") else 200)


@router.get("/contacts", response_class=HTMLResponse, name="contacts", include_in_schema=False)
def contacts(request: Request):
    with transaction(request.app.state.engine) as session:
        return _page(request, session, _office_id(request), saved=request.query_params.get("saved"))


def _municipality(session, request, code: str) -> Organisation:
    muni = session.scalars(select(Organisation).where(
        Organisation.profile == request.app.state.settings.profile, Organisation.code == code,
        Organisation.kind.in_(["municipality", "kommun"]))).first()
    if muni is None:
        raise HTTPException(status_code=404, detail="no such municipality")
    ensure_office(request.state.user, muni.office_id)
    return muni


@router.post("/contacts", response_class=HTMLResponse, name="contacts_add", include_in_schema=False)
async def contacts_add(request: Request):
    form = await request.form()
    values = {"municipality": str(form.get("municipality", "")), "email": str(form.get("email", "")).strip(),
              "name": str(form.get("name", "")).strip(), "sectors": form.getlist("sectors"),
              "frequency": str(form.get("frequency", "weekly"))}
    with transaction(request.app.state.engine) as session:
        try:
            muni = _municipality(session, request, values["municipality"])
            with session.begin_nested():
                save_contact(session=session, municipality=muni, email=values["email"], name=values["name"],
                             sectors=values["sectors"], frequency=values["frequency"], status="active",
                             known_sectors=set(sector_names("nb")), actor=request.state.user)
        except ContactError as exc:
            return _page(request, session, _office_id(request), values=values, errors={exc.field: str(exc)})
    return RedirectResponse("/contacts?notice=contact_added#notice", status_code=303)


@router.post("/contacts/import", response_class=HTMLResponse, name="contacts_import", include_in_schema=False)
async def contacts_import(request: Request):
    form = await request.form()
    upload = form.get("file")
    raw = await upload.read(MAX_CSV_BYTES + 1) if hasattr(upload, "read") else str(form.get("text", "")).encode()
    with transaction(request.app.state.engine) as session:
        if len(raw) > MAX_CSV_BYTES:
            return _page(request, session, _office_id(request), errors={"file": "too_large"})
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")  # Excel in Norway saves CSV as Windows-1252
        office = _office_id(request) if request.state.user.role == "governor" else None
        report = import_csv(session=session, office_id=office, text=text, known_sectors=set(sector_names("nb")),
                            actor=request.state.user, profile=request.app.state.settings.profile)
        return _page(request, session, _office_id(request), report=report)


@router.post("/municipalities/{code}", name="municipality_settings", include_in_schema=False)
async def municipality_settings(request: Request, code: str):
    form = await request.form()
    with transaction(request.app.state.engine) as session:
        muni = _municipality(session, request, code)
        fallback = str(form.get("fallback_email", "")).strip()
        domains = " ".join(str(form.get("mail_domains", "")).lower().replace(",", " ").split())
        try:
            if not fallback and muni.fallback_email:
                # Alerts for sectors nobody in the municipality follows go there: emptying it is not a way to stop them.
                raise ContactError("fallback_required", field="fallback_email")
            if fallback and fallback != (muni.fallback_email or ""):
                with session.begin_nested():
                    set_fallback(session=session, municipality=muni, email=fallback, actor=request.state.user)
        except ContactError as exc:
            # Shown on that municipality's own form, with what was typed there.
            return _page(request, session, _office_id(request), errors={"fallback_email": str(exc)},
                         muni_form={"code": code, "fallback_email": fallback, "mail_domains": domains})
        if domains != (muni.mail_domains or ""):
            audit.record(session=session, actor=request.state.user, action="municipality.domains",
                         entity="organisation", entity_id=muni.id, office_id=muni.office_id,
                         before={"mail_domains": muni.mail_domains}, after={"mail_domains": domains})
            muni.mail_domains = domains
    return RedirectResponse(f"/contacts?saved={code}#muni-{code}", status_code=303)


@router.get("/coverage", response_class=HTMLResponse, name="coverage", include_in_schema=False)
def coverage(request: Request):
    names = sector_names(request_language(request))
    with transaction(request.app.state.engine) as session:
        gaps = coverage_gaps(session=session, office_id=_office_id(request), sectors=list(names))
        rows = [{"municipality": m, "missing": [names[s] for s in missing], "fallback": m.fallback_email}
                for m, missing in gaps]
    return render(request, "coverage.html", {"rows": rows, "sector_count": len(names)})
