"""The JSON API under /api/v1: items with their tags and evidence, alerts, sources.

The same role table governs it as the pages (governors see only their office's alerts). Machine
clients authenticate with `Authorization: Bearer <token>`; browsers may use their session cookie.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import func, select

from relay.db import transaction
from relay.models import Alert, ApiToken, Item, Organisation, Source, Tag, User, utcnow
from relay.web import api_models as m
from relay.web.access import READERS, visible_office

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
FAILING_AFTER = 3  # consecutive failures before a source is flagged


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_from_bearer(engine, header: str) -> User | None:
    token = header[7:].strip()
    with transaction(engine) as session:
        row = session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash(token),
                                                     ApiToken.revoked.is_(False))).first()
        user = session.get(User, row.user_id) if row else None
        if user is None or not user.active:
            return None
        row.last_used_at = utcnow()
        return user


class BearerRoute(APIRoute):
    """Sets request.state.user from a bearer token before any dependency runs, so the app-wide
    access check (which runs first among the dependencies) sees the token's user."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def with_bearer(request: Request) -> Response:
            header = request.headers.get("authorization", "")
            if header.lower().startswith("bearer "):
                user = user_from_bearer(request.app.state.engine, header)
                if user is None:
                    raise HTTPException(status_code=401, detail="invalid token",
                                        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
                request.state.user = user
            return await handler(request)

        return with_bearer


router = APIRouter(prefix="/api/v1", route_class=BearerRoute, tags=["v1"], responses=m.ERRORS)
SOURCE_READERS = frozenset({"admin", "ministry"})
ACCESS = {"api_items": READERS, "api_item": READERS, "api_alerts": READERS, "api_alert": READERS,
          "api_sources": SOURCE_READERS}


def _item_summary(item: Item) -> dict:
    return {"id": item.id, "key": item.key, "kind": item.kind, "body": item.body, "title": item.title,
            "date": item.date, "states": [s for s in (item.states or "").split(";") if s],
            "language": item.language, "url": item.url, "relevant": item.relevant, "key_case": item.key_case,
            "source": item.source.key if item.source else None, "first_seen_at": item.first_seen_at,
            "sectors": [t.sector for t in item.tags if not t.removed]}


ALERT_FIELDS = ("id", "item_id", "office_id", "status", "priority", "ack_deadline", "approved_at", "title_nb",
                "title_nn", "summary_nb", "summary_nn", "meaning_nb", "meaning_nn", "nynorsk_origin")


def _alert_out(session, alert: Alert) -> dict:
    codes = session.scalars(select(Organisation.code).where(
        Organisation.id.in_([t.municipality_id for t in alert.targets])).order_by(Organisation.code)).all()
    return {**{n: getattr(alert, n) for n in ALERT_FIELDS}, "office": alert.office.name,
            "sectors": alert.sector_ids, "municipality_codes": list(codes)}


def _visible_alerts(request: Request):
    """Governors see their own office's alerts only; admins and the ministry see all."""
    office = visible_office(request.state.user)
    return select(Alert) if office is None else select(Alert).where(Alert.office_id == office)


@router.get("/items", response_model=m.ItemPage, name="api_items", summary="Items, newest first")
def api_items(request: Request, limit: Limit = 100, offset: Offset = 0,
              sector: Annotated[m.SectorId | None, Query(description="sector id (config/sectors.toml)")] = None,
              relevant: bool | None = None,
              since: Annotated[m.IsoDate | None, Query(description="document date on or after")] = None):
    query = select(Item)
    if sector:
        query = query.where(Item.id.in_(select(Tag.item_id).where(Tag.sector == sector, Tag.removed.is_(False))))
    if relevant is not None:
        query = query.where(Item.relevant.is_(relevant))
    if since:
        query = query.where(Item.date >= since)
    with transaction(request.app.state.engine) as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.scalars(query.order_by(Item.first_seen_at.desc(), Item.id.desc()).limit(limit).offset(offset))
        return {"total": total, "limit": limit, "offset": offset, "items": [_item_summary(i) for i in rows]}


@router.get("/items/{item_id}", response_model=m.ItemOut, name="api_item", responses=m.NOT_FOUND)
def api_item(request: Request, item_id: m.Id):
    with transaction(request.app.state.engine) as session:
        item = session.get(Item, item_id)
        if item is None:
            raise HTTPException(status_code=404, detail="no such item")
        tags = [{"sector": t.sector, "origin": t.origin, "score": t.score, "removed": t.removed,
                 "evidence": list(t.evidence or [])} for t in item.tags]
        return {**_item_summary(item), "text": item.text or "", "tags": tags}


@router.get("/alerts", response_model=m.AlertPage, name="api_alerts", summary="Alerts, newest first")
def api_alerts(request: Request, limit: Limit = 100, offset: Offset = 0,
               office_id: Annotated[int | None, Query(ge=1, le=m.MAX_ID, description="only this office's alerts")] = None,
               item_id: Annotated[int | None, Query(ge=1, le=m.MAX_ID)] = None):
    query = _visible_alerts(request)
    if office_id is not None:
        query = query.where(Alert.office_id == office_id)
    if item_id is not None:
        query = query.where(Alert.item_id == item_id)
    with transaction(request.app.state.engine) as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.scalars(query.order_by(Alert.approved_at.desc(), Alert.id.desc()).limit(limit).offset(offset))
        return {"total": total, "limit": limit, "offset": offset, "alerts": [_alert_out(session, a) for a in rows]}


@router.get("/alerts/{alert_id}", response_model=m.AlertOut, name="api_alert",
            responses=m.NOT_FOUND)
def api_alert(request: Request, alert_id: m.Id):
    with transaction(request.app.state.engine) as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise HTTPException(status_code=404, detail="no such alert")
        office = visible_office(request.state.user)
        if office is not None and alert.office_id != office:
            raise HTTPException(status_code=403, detail="forbidden")
        return _alert_out(session, alert)


@router.get("/sources", response_model=list[m.SourceOut], name="api_sources", summary="Sources and their health")
def api_sources(request: Request):
    with transaction(request.app.state.engine) as session:
        return [{**{n: getattr(s, n) for n in m.SourceOut.model_fields if n != "failing"},
                 "failing": s.error_count >= FAILING_AFTER} for s in session.scalars(select(Source).order_by(Source.key))]
