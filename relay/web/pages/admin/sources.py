"""Source administration: every source's health for admins (read-only for the ministry), and generic
RSS/Atom sources added, edited, paused and resumed without code. Every change is audited.

Sources from config/sources.toml (origin "config") can be paused but not edited here: the file is
their truth, and the next sync would undo an edit.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from relay import audit
from relay.db import transaction
from relay.models import Source, User, utcnow
from relay.store.health import last_runs, unsectored
from relay.web.access import ADMIN
from relay.web.api import FAILING_AFTER
from relay.web.api_models import Id
from relay.web.templating import render

router = APIRouter()
ADMIN_READERS = frozenset({"admin", "ministry"})
ACCESS = {"sources": ADMIN_READERS, "source_add": ADMIN, "source_pause": ADMIN, "source_edit_form": ADMIN,
          "source_edit": ADMIN}
MIN_INTERVAL = 5
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{1,60}$")


def source_errors(values: dict, *, new: bool, taken: set[str]) -> dict[str, str]:
    errors = {}
    if new and not KEY.match(values["key"]):
        errors["key"] = "key_format"
    elif new and values["key"] in taken:
        errors["key"] = "key_taken"
    if not values["name"].strip():
        errors["name"] = "required"
    url = urlsplit(values["url"].strip())
    if url.scheme not in ("https", "http") or not url.hostname:
        errors["url"] = "url"
    minutes = values["interval_minutes"]
    if not minutes.isdigit() or len(minutes) > 6 or int(minutes) < MIN_INTERVAL:
        errors["interval_minutes"] = "interval"
    return errors


def _snapshot(source: Source) -> dict:
    return {"key": source.key, "kind": source.kind, "name": source.name, "url": source.url,
            "interval_minutes": source.interval_minutes, "paused": source.paused}


def _values(form) -> dict:
    return {n: str(form.get(n, "")).strip() for n in ("key", "name", "url", "interval_minutes")}


def _list(request: Request, session, *, values=None, errors=None, status_code=200):
    sources = session.scalars(select(Source).order_by(Source.origin, Source.key)).all()
    return render(request, "sources.html", {
        "sources": sources, "failing_after": FAILING_AFTER, "errors": errors or {},
        "last_runs": last_runs(session), "unsectored": unsectored(session),
        "values": values or {"key": "", "name": "", "url": "", "interval_minutes": "360"},
        "can_edit": request.state.user.role == "admin"}, status_code=status_code)


def _source(session, source_id: int) -> Source:
    source = session.get(Source, source_id)
    if source is None:
        raise HTTPException(status_code=404, detail="no such source")
    return source


@router.get("/admin/sources", response_class=HTMLResponse, name="sources", include_in_schema=False)
def sources(request: Request):
    with transaction(request.app.state.engine) as session:
        return _list(request, session)


@router.post("/admin/sources", response_class=HTMLResponse, name="source_add", include_in_schema=False)
async def source_add(request: Request):
    values = _values(await request.form())
    with transaction(request.app.state.engine) as session:
        taken = set(session.scalars(select(Source.key)))
        errors = source_errors(values, new=True, taken=taken)
        if errors:
            return _list(request, session, values=values, errors=errors, status_code=400)
        source = Source(key=values["key"], kind="rss", name=values["name"].strip(), url=values["url"], params={},
                        origin="admin", interval_minutes=int(values["interval_minutes"]), next_check_at=utcnow())
        session.add(source)
        session.flush()
        audit.record(session=session, actor=session.get(User, request.state.user.id), action="source.add",
                     entity="source", entity_id=source.id, after=_snapshot(source))
    return RedirectResponse("/admin/sources", status_code=303)


@router.post("/admin/sources/{source_id}/pause", name="source_pause", include_in_schema=False)
async def source_pause(request: Request, source_id: Id):
    paused = (await request.form()).get("paused") == "1"
    with transaction(request.app.state.engine) as session:
        source = _source(session, source_id)
        before = _snapshot(source)
        source.paused = paused
        if not paused:
            source.next_check_at = utcnow()  # resume now rather than at the old schedule
        audit.record(session=session, actor=session.get(User, request.state.user.id),
                     action="source.pause" if paused else "source.resume", entity="source", entity_id=source.id,
                     before=before, after=_snapshot(source))
    return RedirectResponse("/admin/sources", status_code=303)


def _edit_page(request, source, *, values=None, errors=None, status_code=200):
    values = values or {"key": source.key, "name": source.name, "url": source.url,
                        "interval_minutes": str(source.interval_minutes)}
    return render(request, "sources_edit.html", {"source": source, "values": values, "errors": errors or {}},
                  status_code=status_code)


def _editable(source: Source) -> None:
    if source.origin == "config" or source.kind != "rss":
        raise HTTPException(status_code=409, detail="configured sources are edited in config/sources.toml")


@router.get("/admin/sources/{source_id}", response_class=HTMLResponse, name="source_edit_form",
            include_in_schema=False)
def source_edit_form(request: Request, source_id: Id):
    with transaction(request.app.state.engine) as session:
        source = _source(session, source_id)
        _editable(source)
        return _edit_page(request, source)


@router.post("/admin/sources/{source_id}", response_class=HTMLResponse, name="source_edit", include_in_schema=False)
async def source_edit(request: Request, source_id: Id):
    values = _values(await request.form())
    with transaction(request.app.state.engine) as session:
        source = _source(session, source_id)
        _editable(source)
        values["key"] = source.key
        errors = source_errors(values, new=False, taken=set())
        if errors:
            return _edit_page(request, source, values=values, errors=errors, status_code=400)
        before = _snapshot(source)
        if values["url"] != source.url:
            source.etag = source.last_modified = None  # validators belong to the old address
        source.name, source.url = values["name"].strip(), values["url"]
        source.interval_minutes = int(values["interval_minutes"])
        audit.record(session=session, actor=session.get(User, request.state.user.id), action="source.edit",
                     entity="source", entity_id=source.id, before=before, after=_snapshot(source))
    return RedirectResponse("/admin/sources", status_code=303)
