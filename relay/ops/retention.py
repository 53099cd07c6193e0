"""Retention: keep per-recipient facts for the evaluation period, then only what the reports need.

Three jobs, each configurable, each recorded in the audit log with actor "retention":
- receipt events older than `receipts.event_aggregate_months` become monthly counts per alert ×
  municipality × kind (receipt_event_month) and are deleted;
- raw DSNs and MDNs older than `receipts.raw_report_days` lose their bytes (purged=True); the parsed
  facts stay;
- contacts unsubscribed more than `ops.erase_unsubscribed_days` ago, and sign-ups left unconfirmed that
  long after their last opt-in mail, are erased (relay.ops.privacy).
Whole months are aggregated at once, so a month is never half raw and half counted.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from relay import audit
from relay.db import transaction
from relay.models import Contact, Message, RawReport, ReceiptEvent, utcnow
from relay.models.ops import ReceiptEventMonth
from relay.ops import ops_setting
from relay.ops.privacy import erase_contact

log = logging.getLogger("relay.ops.retention")
# Report months are Norwegian calendar months (relay.reports.reach uses the same zone).
REPORT_TZ = ZoneInfo("Europe/Oslo")
BATCH = 5000


@dataclass
class RetentionReport:
    events_aggregated: int = 0
    raw_reports_purged: int = 0
    contacts_erased: int = 0


def month_of(moment: datetime) -> str:
    return moment.astimezone(REPORT_TZ).strftime("%Y-%m")


def months_before(now: datetime, months: int) -> datetime:
    """The first instant (Norwegian time) of the month `months` before now's month."""
    local = now.astimezone(REPORT_TZ)
    index = local.year * 12 + local.month - 1 - months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=REPORT_TZ).astimezone(UTC)


def aggregate_events(*, session: Session, now: datetime, months: int, batch: int = BATCH) -> int:
    """Fold events before the cutoff month into receipt_event_month, then delete them."""
    cutoff, total = months_before(now, months), 0
    while True:
        rows = session.execute(
            select(ReceiptEvent.id, ReceiptEvent.alert_id, ReceiptEvent.municipality_id, ReceiptEvent.kind,
                   ReceiptEvent.occurred_at, ReceiptEvent.filtered)
            .where(ReceiptEvent.occurred_at < cutoff).order_by(ReceiptEvent.id).limit(batch)).all()
        if not rows:
            return total
        counts = Counter((r.alert_id or 0, r.municipality_id or 0, r.kind, month_of(r.occurred_at), r.filtered is not None)
                         for r in rows)
        for key, count in counts.items():
            row = session.get(ReceiptEventMonth, key)
            if row is None:
                session.add(ReceiptEventMonth(alert_id=key[0], municipality_id=key[1], kind=key[2], month=key[3],
                                              filtered=key[4], count=count))
            else:
                row.count += count
        session.execute(delete(ReceiptEvent).where(ReceiptEvent.id.in_([r.id for r in rows])))
        session.flush()
        total += len(rows)


def purge_raw_reports(*, session: Session, now: datetime, days: int) -> int:
    return session.execute(update(RawReport).where(
        RawReport.received_at < now - timedelta(days=days), RawReport.purged.is_(False),
    ).values(raw=None, purged=True)).rowcount


def erase_unsubscribed(*, session: Session, now: datetime, days: int) -> int:
    """Contacts unsubscribed `days` ago, and sign-ups never confirmed within `days` of their last
    opt-in mail (anyone may post the sign-up form: an address nobody confirmed is not kept)."""
    since = now - timedelta(days=days)
    last_optin = (select(func.max(Message.created_at)).where(Message.contact_id == Contact.id, Message.kind == "optin")
                  .correlate(Contact).scalar_subquery())
    contacts = session.scalars(select(Contact).where(Contact.email.is_not(None), or_(
        (Contact.status == "unsubscribed") & (Contact.unsubscribed_at < since),
        (Contact.status == "pending") & (func.coalesce(last_optin, Contact.created_at) < since)))).all()
    for contact in contacts:
        erase_contact(session=session, contact=contact, actor="retention", now=now)
    return len(contacts)


def run_retention(*, engine: Engine, settings, now: datetime | None = None) -> RetentionReport:
    """All three jobs, each in its own transaction so one failing does not undo the others."""
    now = now or utcnow()
    report = RetentionReport()
    months = settings.receipts.event_aggregate_months
    days = settings.receipts.raw_report_days
    erase_days = ops_setting(settings, "erase_unsubscribed_days")
    with transaction(engine) as session:
        report.events_aggregated = aggregate_events(session=session, now=now, months=months)
        _record(session, "retention.aggregate_events", {"events": report.events_aggregated, "months": months})
    with transaction(engine) as session:
        report.raw_reports_purged = purge_raw_reports(session=session, now=now, days=days)
        _record(session, "retention.purge_raw_reports", {"raw_reports": report.raw_reports_purged, "days": days})
    with transaction(engine) as session:
        report.contacts_erased = erase_unsubscribed(session=session, now=now, days=erase_days)
        _record(session, "retention.erase_unsubscribed", {"contacts": report.contacts_erased, "days": erase_days})
    log.info("retention done", extra=asdict(report))
    return report


def _record(session: Session, action: str, after: dict) -> None:
    """Only runs that changed something are recorded: an hourly no-op would bury the audit log."""
    if any(value for key, value in after.items() if key not in ("months", "days")):
        audit.record(session=session, actor="retention", action=action, entity="retention", after=after)
