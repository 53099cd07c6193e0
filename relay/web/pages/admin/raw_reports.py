"""Inbound DSNs, MDNs and auto-replies as received, for administrators, while they are kept.

The raw text is evidence: it is shown exactly as received, escaped, in a <pre> — never rendered as
HTML (a report is mail from outside and may carry any markup). Reports older than
receipts.raw_report_days, or already purged by the retention job, are not shown.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from relay.db import transaction
from relay.models import Message, RawReport, utcnow
from relay.web.access import ADMIN
from relay.web.templating import render

router = APIRouter()
ACCESS = {"raw_reports": ADMIN, "raw_report": ADMIN}
PAGE_SIZE = 500
KINDS = ("dsn", "mdn", "auto-reply", "unparsed", "other")


def list_raw_reports(*, session, days: int, kind: str = "", unmatched: bool = False,
                     limit: int = PAGE_SIZE) -> list[RawReport]:
    query = select(RawReport).where(RawReport.received_at >= utcnow() - timedelta(days=days),
                                    RawReport.purged.is_(False))
    if kind:
        query = query.where(RawReport.kind == kind)
    if unmatched:
        query = query.where(RawReport.message_id.is_(None))
    return list(session.scalars(query.order_by(RawReport.received_at.desc(), RawReport.id.desc()).limit(limit)))


def _messages(session, reports: list[RawReport]) -> dict[int, Message]:
    ids = {r.message_id for r in reports if r.message_id}
    return {m.id: m for m in session.scalars(select(Message).where(Message.id.in_(ids)))} if ids else {}


@router.get("/admin/raw-reports", response_class=HTMLResponse, name="raw_reports", include_in_schema=False)
def raw_reports(request: Request):
    days = request.app.state.settings.receipts.raw_report_days
    kind = request.query_params.get("kind", "")
    kind = kind if kind in KINDS else ""
    unmatched = request.query_params.get("unmatched") == "1"
    with transaction(request.app.state.engine) as session:
        reports = list_raw_reports(session=session, days=days, kind=kind, unmatched=unmatched)
        return render(request, "raw_reports.html", {
            "reports": reports, "messages": _messages(session, reports), "days": days, "kinds": KINDS,
            "filters": {"kind": kind, "unmatched": unmatched}, "limit": PAGE_SIZE})


@router.get("/admin/raw-reports/{report_id}", response_class=HTMLResponse, name="raw_report",
            include_in_schema=False)
def raw_report(request: Request, report_id: str):
    days = request.app.state.settings.receipts.raw_report_days
    if not report_id.isdigit() or len(report_id) > 12:
        raise HTTPException(status_code=404, detail="not found")
    with transaction(request.app.state.engine) as session:
        report = session.get(RawReport, int(report_id))
        if report is None or report.purged or report.raw is None or \
                report.received_at < utcnow() - timedelta(days=days):
            raise HTTPException(status_code=404, detail="not found")
        message = session.get(Message, report.message_id) if report.message_id else None
        # Decoded for display only; undecodable bytes show as U+FFFD rather than hiding the report.
        text = report.raw.decode("utf-8", errors="replace")
        return render(request, "raw_report.html", {"report": report, "message": message, "text": text,
                                                   "days": days})
