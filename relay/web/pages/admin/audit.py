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

from relay.dates import csv_moment, parse_date
from relay.db import transaction
from relay.i18n import translator
from relay.models import AuditEntry, Organisation
from relay.spreadsheet_safety import defuse
from relay.web.api_models import small_int
from relay.web.templating import render, request_language

router = APIRouter()
AUDIT_READERS = frozenset({"admin", "ministry"})
ACCESS = {"audit": AUDIT_READERS, "audit_csv": AUDIT_READERS}
PAGE_SIZE = 500
CSV_LIMIT = 100_000
ACTION = re.compile(r"^[a-z0-9_.-]{1,60}$")


def _day(value: str | None) -> date | None:
    return parse_date(value)  # 07.12.2026 as the form's hint says, or 2026-12-07 from an older link


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
    """Like the report downloads: a byte-order mark and semicolons (Excel in a Norwegian locale opens it as
    columns), headers in the reader's language, times on Norwegian clocks as dd.mm.åååå tt:mm:ss."""
    filters, language = _filters(request), request_language(request)
    t, zone = translator(language), request.app.state.settings.timezone
    with transaction(request.app.state.engine) as session:
        entries = list_audit(session=session, action=filters["action"], office=filters["office"],
                             since=_day(filters["since"]), until=_day(filters["until"]), limit=CSV_LIMIT)
        offices = dict(session.execute(select(Organisation.id, Organisation.name).where(
            Organisation.id.in_({e.office_id for e in entries if e.office_id}))).all())
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow([t(f"admin.audit.{key}") for key in ("at", "actor", "action", "entity")]
                        + [t("desk.audit.entity_id"), t("admin.audit.office"), t("admin.audit.before"),
                           t("admin.audit.after")])
        for e in entries:
            writer.writerow([csv_moment(e.at, language, zone), _cell(e.actor), e.action, e.entity,
                             _cell(e.entity_id), _cell(offices.get(e.office_id, "")), _cell(e.before),
                             _cell(e.after)])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="relay-audit.csv"'})
