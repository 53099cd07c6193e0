"""Atom feeds of the archive per sector, per office and per office × sector, and the page that lists
them. A fetch is counted per feed and day, nothing more."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from relay.archive.atom import build_feed, feed_alerts
from relay.archive.counts import count_hit
from relay.archive.visibility import visibility_of
from relay.db import transaction
from relay.i18n import translator
from relay.models import Organisation
from relay.register_queries import list_offices
from relay.sectors import sector_names
from relay.web.access import PUBLIC
from relay.web.pages.public.archive import content_language
from relay.web.templating import render, request_language

router = APIRouter()
ACCESS = {"archive_feeds": PUBLIC, "archive_feed_sector": PUBLIC, "archive_feed_office": PUBLIC,
          "archive_feed_office_sector": PUBLIC}
ATOM_TYPE = "application/atom+xml; charset=utf-8"


def feed_path(*, office_code: str | None = None, sector: str | None = None) -> str:
    if office_code and sector:
        return f"/archive/feeds/office/{office_code}/{sector}.atom"
    if office_code:
        return f"/archive/feeds/office/{office_code}.atom"
    return f"/archive/feeds/sector/{sector}.atom"


def announced_feeds(language: str) -> list[dict[str, str]]:
    """The feeds a page announces with <link rel="alternate">: one per sector."""
    t = translator(language)
    return [{"href": feed_path(sector=sector), "title": t("archive.feed_title", what=name)}
            for sector, name in sector_names(language).items()]


def _public_office(session, code: str, profile: str) -> Organisation:
    """The office by its code; 404 when unknown or when it publishes to signed-in users only (a feed
    reader cannot sign in, and an empty feed would pretend there is nothing)."""
    office = session.scalars(select(Organisation).where(
        Organisation.code == code, Organisation.profile == profile,
        Organisation.kind.in_(("office", "lansstyrelse")))).first()
    if office is None or visibility_of(session, office.id) != "public":
        raise HTTPException(status_code=404, detail="no such feed")
    return office


def _sector(sector: str, language: str) -> str:
    names = sector_names(language)
    if sector not in names:
        raise HTTPException(status_code=404, detail="no such feed")
    return names[sector]


def _answer(request: Request, session, *, office: Organisation | None, sector: str | None) -> Response:
    language = content_language(request)
    t = translator(language)
    names = sector_names(language)
    parts = [p for p in (office.name if office else None, names.get(sector) if sector else None) if p]
    path = feed_path(office_code=office.code if office else None, sector=sector)
    alerts = feed_alerts(session=session, office_id=office.id if office else None, sector=sector)
    body = build_feed(settings=request.app.state.settings, title=t("archive.feed_title", what=" – ".join(parts)),
                      self_path=path + ("?lang=nn" if language == "nn" else ""), alerts=alerts, language=language,
                      sector_names=names)
    count_hit(session=session, kind="feed", subject=path.removeprefix("/archive/feeds/").removesuffix(".atom"))
    return Response(body, media_type=ATOM_TYPE, headers={"cache-control": "public, max-age=900"})


@router.get("/archive/feeds", response_class=HTMLResponse, name="archive_feeds", include_in_schema=False)
def archive_feeds(request: Request):
    language = request_language(request)
    with transaction(request.app.state.engine) as session:
        offices = [o for o in list_offices(session=session, profile=request.app.state.settings.profile)
                   if visibility_of(session, o.id) == "public"]
    return render(request, "archive_feeds.html", {"sectors": sector_names(language), "offices": offices,
                                                  "feed_path": feed_path})


@router.get("/archive/feeds/sector/{sector}.atom", name="archive_feed_sector", include_in_schema=False)
def archive_feed_sector(request: Request, sector: str):
    _sector(sector, "nb")
    with transaction(request.app.state.engine) as session:
        return _answer(request, session, office=None, sector=sector)


@router.get("/archive/feeds/office/{office}.atom", name="archive_feed_office", include_in_schema=False)
def archive_feed_office(request: Request, office: str):
    with transaction(request.app.state.engine) as session:
        found = _public_office(session, office, request.app.state.settings.profile)
        return _answer(request, session, office=found, sector=None)


@router.get("/archive/feeds/office/{office}/{sector}.atom", name="archive_feed_office_sector",
            include_in_schema=False)
def archive_feed_office_sector(request: Request, office: str, sector: str):
    _sector(sector, "nb")
    with transaction(request.app.state.engine) as session:
        found = _public_office(session, office, request.app.state.settings.profile)
        return _answer(request, session, office=found, sector=sector)
