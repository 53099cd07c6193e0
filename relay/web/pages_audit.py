"""The audit log for the ministry and administrators: filter by action, office and date; export as CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, time, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from relay.db import transaction
from relay.models import AuditEntry, Organisation
from relay.spreadsheet_safety import defuse
from relay.web.api_models import small_int
from relay.web.templating import render

router = APIRouter()
AUDIT_READERS = frozenset({"admin", "ministry"})
ACCESS = {"audit": AUDIT_READERS, "audit_csv": AUDIT_READERS}
PAGE_SIZE = 500
CSV_LIMIT = 100_000
ACTION = re.compile(r"^[a-z0-9_.-]{1,60}$")


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters(request: Request) -> dict:
    q = request.query_params
    action = q.get("action", "")
    return {"action": action if ACTION.match(action) else "", "office": str(small_int(q.get("office")) or ""),
            "since": q.get("since", ""), "until": q.get("until", "")}


def list_audit(*, session, action="", office="", since=None, until=None, limit=PAGE_SIZE) -> list[AuditEntry]:
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    if office:
        query = query.where(AuditEntry.office_id == int(office))
    if since:
        query = query.where(AuditEntry.at >= datetime.combine(since, time(), tzinfo=UTC))
    if until:  # the whole day named, not its first instant
        query = query.where(AuditEntry.at < datetime.combine(until + timedelta(days=1), time(), tzinfo=UTC))
    return list(session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))


@router.get("/admin/audit", response_class=HTMLResponse, name="audit", include_in_schema=False)
def audit_log(request: Request):
    filters = _filters(request)
    with transaction(request.app.state.engine) as session:
        entries = list_audit(session=session, action=filters["action"], office=filters["office"],
                             since=_day(filters["since"]), until=_day(filters["until"]))
        actions = session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all()
        offices = session.scalars(select(Organisation).where(Organisation.kind.in_(("office", "lansstyrelse")))
                                  .order_by(Organisation.name)).all()
        names = {o.id: o.name for o in offices}
        return render(request, "audit.html", {"entries": entries, "filters": filters, "actions": actions,
                                              "offices": offices, "office_names": names, "limit": PAGE_SIZE})


def _cell(value) -> str:
    """JSON for the before/after columns; text a spreadsheet would run as a formula is defused."""
    text = "" if value is None else (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    return defuse(text)


@router.get("/admin/audit.csv", name="audit_csv", include_in_schema=False)
def audit_csv(request: Request):
    filters = _filters(request)
    with transaction(request.app.state.engine) as session:
        entries = list_audit(session=session, action=filters["action"], office=filters["office"],
                             since=_day(filters["since"]), until=_day(filters["until"]), limit=CSV_LIMIT)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["at", "actor", "action", "entity", "entity_id", "office_id", "before", "after"])
        for e in entries:
            writer.writerow([e.at.isoformat(), _cell(e.actor), e.action, e.entity, _cell(e.entity_id),
                             e.office_id or "", _cell(e.before), _cell(e.after)])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="relay-audit.csv"'})
