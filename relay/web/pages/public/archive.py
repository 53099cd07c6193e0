"""The public archive: the search page, each alert's page in bokmål and nynorsk, and the office's choice
of who may read its alerts there. Page views and searches are counted without anything about the reader."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from relay import audit
from relay.archive.counts import count_hit
from relay.archive.queries import ArchiveFilter, get_archived_alert, list_archive, original_links
from relay.archive.search import SearchError
from relay.archive.visibility import save_visibility, visibility_of
from relay.db import transaction
from relay.digests.render import source_label
from relay.documents.chosen import chosen_paragraphs
from relay.models import Contact, Organisation, User
from relay.models.archive import VISIBILITIES
from relay.register_queries import list_offices
from relay.sectors import sector_names
from relay.web.access import CURATORS, PUBLIC, NotSignedIn, ensure_office
from relay.web.api_models import Id, small_int
from relay.web.pages.dashboard.municipality import pickable
from relay.web.templating import render, request_language

router = APIRouter()
ACCESS = {"archive": PUBLIC, "archive_settings": CURATORS, "archive_settings_save": CURATORS,
          "archive_alert": PUBLIC}
MAX_QUERY = 200


def announced_feeds(language: str) -> list[dict[str, str]]:
    from relay.web.pages.public.archive_feeds import announced_feeds as feeds  # that module imports this one

    return feeds(language)


def content_language(request: Request) -> str:
    """Alerts are written in bokmål and nynorsk; an English page shows the bokmål text."""
    return "nn" if request_language(request) == "nn" else "nb"


def _own_municipality(session, user: User | None) -> Organisation | None:
    """A signed-in contact's municipality, whose overview the archive links to."""
    if user is None or user.role != "contact" or user.contact_id is None:
        return None
    contact = session.get(Contact, user.contact_id)
    return session.get(Organisation, contact.municipality_id) if contact is not None else None


def _filter(request: Request) -> ArchiveFilter:
    q = request.query_params
    year = small_int(q.get("year"))
    return ArchiveFilter(words=str(q.get("q", ""))[:MAX_QUERY], sector=str(q.get("sector", ""))[:40],
                         body=str(q.get("body", ""))[:40], year=year if year and 1900 < year < 3000 else None,
                         office_id=small_int(q.get("office")), page=small_int(q.get("page")) or 1)


@router.get("/archive", response_class=HTMLResponse, name="archive", include_in_schema=False)
def archive(request: Request):
    wanted, error = _filter(request), None
    signed_in = request.state.user is not None
    with transaction(request.app.state.engine) as session:
        try:
            page = list_archive(session=session, wanted=wanted, signed_in=signed_in)
        except SearchError:
            error = "no_words"
            page = list_archive(session=session, wanted=ArchiveFilter(**{**wanted.__dict__, "words": ""}),
                                signed_in=signed_in)
        if wanted.words:
            count_hit(session=session, kind="search", subject="archive")
        language = content_language(request)
        return render(request, "archive.html", {
            "page": page, "wanted": wanted, "error": error, "content_lang": language,
            "sectors": sector_names(request_language(request)),
            "bodies": {b: source_label(b, language) or b for b in page.facets["bodies"]},
            "archive_feeds": announced_feeds(request_language(request)),
            "own_municipality": _own_municipality(session, request.state.user),
            "pickable": pickable(session, request.state.user),
            "query_without_page": [(k, v) for k, v in request.query_params.multi_items() if k != "page"],
        })


@router.get("/archive/settings", response_class=HTMLResponse, name="archive_settings", include_in_schema=False)
def archive_settings(request: Request):
    with transaction(request.app.state.engine) as session:
        return _settings_page(request, session, saved=request.query_params.get("saved") == "1")


def _settings_page(request: Request, session, *, saved=False, error=None, status_code=200):
    user: User = request.state.user
    offices = list_offices(session=session, profile=request.app.state.settings.profile)
    if user.role == "governor":
        offices = [o for o in offices if o.id == user.office_id]
    rows = [{"office": o, "visibility": visibility_of(session, o.id)} for o in offices]
    return render(request, "archive_settings.html", {"rows": rows, "saved": saved, "error": error,
                                                     "choices": VISIBILITIES}, status_code=status_code)


@router.post("/archive/settings", response_class=HTMLResponse, name="archive_settings_save", include_in_schema=False)
async def archive_settings_save(request: Request):
    form = await request.form()
    office_id, visibility = small_int(form.get("office")), str(form.get("visibility", ""))
    with transaction(request.app.state.engine) as session:
        office = session.get(Organisation, office_id) if office_id else None
        if office is None:
            raise HTTPException(status_code=400, detail="office")
        ensure_office(request.state.user, office.id)
        if visibility not in VISIBILITIES:
            return _settings_page(request, session, error="visibility", status_code=400)
        before = visibility_of(session, office.id)
        actor = session.get(User, request.state.user.id)
        if save_visibility(session=session, office_id=office.id, visibility=visibility, actor=actor):
            audit.record(session=session, actor=actor, action="archive.visibility", entity="office",
                         entity_id=office.id, before={"visibility": before}, after={"visibility": visibility},
                         office_id=office.id)
    return RedirectResponse("/archive/settings?saved=1", status_code=303)


@router.get("/archive/{alert_id}", response_class=HTMLResponse, name="archive_alert", include_in_schema=False)
def archive_alert(request: Request, alert_id: Id):
    """The alert's stable public page: the address in mail links and feeds."""
    with transaction(request.app.state.engine) as session:
        alert = get_archived_alert(session=session, alert_id=alert_id)
        if alert is None:
            raise HTTPException(status_code=404, detail="no such alert")
        if request.state.user is None and visibility_of(session, alert.office_id) != "public":
            raise NotSignedIn()
        count_hit(session=session, kind="page", subject=f"alert:{alert.id}")
        language = content_language(request)
        names = sector_names(request_language(request))
        return render(request, "archive_alert.html", {
            "alert": alert, "content_lang": language, "sectors": [(s, names.get(s, s)) for s in alert.sector_ids],
            "source": source_label(alert.item.body, language) or (alert.item.source.name if alert.item.source else ""),
            "links": original_links(session=session, alert=alert), "office_code": alert.office.code,
            "chosen": chosen_paragraphs(session, alert.id),  # issue 20: the paragraphs sent with a document
        })
