"""Inbound DSNs and MDNs → receipt events, message statuses and bouncing contacts.

Each report is kept raw (for admins, for a configurable number of days) and processed once. The
same report arriving twice records nothing new: byte-identical copies stop at the raw report's
fingerprint, and a copy that gained headers on the way (the IMAP mailbox adds Delivered-To and
Received) stops at the event's dedupe key, which names the report by its own Message-ID or, when
it has none, by (message, recipient, action, status, reporting host) — DELIVERY-AND-RECEIPTS 5.1.
The signed bounce address names the message even when the receiving server mangles the returned
headers. Auto-replies and prose-only bounces are kept for review and record nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from relay.mail.envelope import read_bounce_address
from relay.models import Contact, Message, RawReport, ReceiptEvent, utcnow
from relay.receipts.dsn import RecipientResult, Report, parse_report
from relay.settings import Settings
from relay.store.upsert import insert_ignore


@dataclass
class InboundResult:
    duplicate: bool = False
    kind: str = "other"
    message_id: int | None = None
    events: list[str] = field(default_factory=list)
    newly_bouncing: list[int] = field(default_factory=list)  # contact ids that crossed the threshold
    error: str | None = None


def find_message(session: Session, settings: Settings, envelope_to: list[str], report: Report) -> Message | None:
    for address in envelope_to:
        key = read_bounce_address(settings, address)
        if key:
            found = session.scalars(select(Message).where(Message.purpose_key == key)).first()
            if found:
                return found
    if report.original_message_id:
        return session.scalars(select(Message).where(Message.message_id_header == report.original_message_id)).first()
    return None


def process_inbound(*, session: Session, settings: Settings, raw: bytes, channel: str,
                    envelope_to: list[str] | None = None, now: datetime | None = None) -> InboundResult:
    now = now or utcnow()
    fingerprint = hashlib.sha256(raw).hexdigest()
    if not insert_ignore(session, RawReport, {"fingerprint": fingerprint, "received_at": now, "channel": channel,
                                              "kind": "other", "raw": raw, "parsed": {}}, ["fingerprint"]):
        seen = session.scalars(select(RawReport).where(RawReport.fingerprint == fingerprint)).one()
        return InboundResult(duplicate=True, kind=seen.kind, message_id=seen.message_id, error=seen.error)
    stored = session.scalars(select(RawReport).where(RawReport.fingerprint == fingerprint)).one()
    try:
        report = parse_report(raw)
    except Exception as exc:  # noqa: BLE001 - a malformed report is kept with its reason, never lost
        stored.error = f"unreadable report: {type(exc).__name__}: {exc}"[:500]
        return InboundResult(kind="other", error=stored.error)
    stored.kind = report.kind
    stored.parsed = {"reporting_mta": report.reporting_mta, "original_message_id": report.original_message_id,
                     "structured": report.structured, "disposition": report.disposition,
                     "disposition_mode": report.disposition_mode,
                     "recipients": [r.__dict__ for r in report.recipients], "warnings": list(report.warnings)}
    result = InboundResult(kind=report.kind)
    message = find_message(session, settings, envelope_to or _header_addresses(raw), report)
    if message is not None:
        stored.message_id = result.message_id = message.id
    if report.kind == "unparsed":
        stored.error = result.error = "no machine-readable status: recorded nothing, review the raw report"
        return result
    if message is None:
        if report.kind in ("dsn", "mdn"):
            stored.error = result.error = "no message matches this report"
        return result
    for recipient in report.recipients:
        kind = _event_kind(report, recipient)
        if kind is None:
            continue
        created = insert_ignore(session, ReceiptEvent, {
            "dedupe_key": _dedupe_key(kind, message.id, report, recipient),
            "kind": kind, "occurred_at": now, "message_id": message.id, "contact_id": message.contact_id,
            "municipality_id": message.contact.municipality_id if message.contact else None,
            "raw_report_id": stored.id, "evidence": _evidence(report, recipient, channel),
        }, ["dedupe_key"])
        if created:
            result.events.append(kind)
            _apply_to_message(message, kind, recipient)
            if kind == "bounced" and recipient.hard and message.contact_id and (
                    not recipient.policy or mailbox_level(recipient, report)):
                if count_hard_bounce(session, message.contact_id, settings.receipts.hard_bounce_threshold,
                                     mailbox=mailbox_level(recipient, report)):
                    result.newly_bouncing.append(message.contact_id)
    return result


def _dedupe_key(kind: str, message_id: int, report: Report, recipient: RecipientResult) -> str:
    name = report.report_message_id or f"{recipient.action}:{report.reporting_mta}"
    return f"{kind}:{message_id}:{recipient.recipient}:{recipient.status}:{name}"[:300]


def _evidence(report: Report, recipient: RecipientResult, channel: str) -> dict:
    evidence = {"action": recipient.action, "status": recipient.status, "diagnostic": recipient.diagnostic,
                "remote_mta": recipient.remote_mta, "reporting_mta": report.reporting_mta,
                "hard": recipient.hard, "policy": recipient.policy, "structured": report.structured,
                "report_message_id": report.report_message_id, "channel": channel}
    if report.kind == "mdn":
        # RFC 8098: whether the person sent it or their client did on its own.
        evidence["disposition_mode"] = report.disposition_mode
    return evidence


def _header_addresses(raw: bytes) -> list[str]:
    """Where no SMTP envelope is known (IMAP), the bounce address is in the report's own headers."""
    from email.parser import BytesHeaderParser
    from email.utils import getaddresses

    headers = BytesHeaderParser().parsebytes(raw)
    values = [str(v) for name in ("Delivered-To", "X-Original-To", "To") for v in headers.get_all(name, [])]
    return [address for _, address in getaddresses(values) if address]


def _event_kind(report: Report, recipient: RecipientResult) -> str | None:
    """Only an MDN "displayed" is a read (RFC 8098); "relayed" is not delivery — the next hop simply
    does not send DSNs — so it records nothing beyond the raw report."""
    if report.kind == "mdn":
        return "read" if report.disposition == "displayed" else None
    if report.kind != "dsn":
        return None
    return {"failed": "bounced", "delayed": "deferred", "delivered": "delivered"}.get(recipient.action)


def _apply_to_message(message: Message, kind: str, recipient: RecipientResult) -> None:
    """Late evidence wins: a DSN can move `sent` to `delivered` or, days later, to `permanent-failure`."""
    if kind == "delivered" and message.status == "sent":
        message.status = "delivered"
    elif kind == "bounced" and message.status in ("sent", "delivered"):
        # A failure with a 4.x.x status (or 5.4.4) means the receiving side gave up retrying: the address may
        # be fine. A 5.7.x policy refusal is still permanent for this message.
        message.status = "permanent-failure" if recipient.hard else "temporary-failure"
        message.last_reply = f"DSN {recipient.status}: {recipient.diagnostic}"[:2000]


# Statuses that say this mailbox is dead (RFC 3463): bad address (5.1.x), mailbox disabled (5.2.1), and
# 5.7.1 when the recipient's own domain says it (the mailbox refuses us; from elsewhere it is our policy).
MAILBOX_STATUSES = ("5.2.1",)


def is_mailbox_status(status: str, *, from_recipient_domain: bool = True) -> bool:
    return (status.startswith("5.1.") or status in MAILBOX_STATUSES
            or (status == "5.7.1" and from_recipient_domain))


def mailbox_level(recipient: RecipientResult, report: Report) -> bool:
    """A permanent failure that marks the address failing at once, instead of after `hard_bounce_threshold`."""
    if recipient.action != "failed" or not recipient.status.startswith("5."):
        return False
    domain = recipient.recipient.rpartition("@")[2].lower()
    hosts = [h.lower() for h in (recipient.remote_mta, report.reporting_mta) if h]
    own = bool(domain) and any(h == domain or h.endswith("." + domain) for h in hosts)
    return is_mailbox_status(recipient.status, from_recipient_domain=own)


def count_hard_bounce(session: Session, contact_id: int, threshold: int, *, mailbox: bool = False) -> bool:
    """Count one hard bounce (a DSN, or a 5xx refusal at SMTP time); True when this one made the contact
    `bouncing` — exactly once per contact, so its governor is told once. mailbox=True (a mailbox-level
    status, is_mailbox_status) makes it `bouncing` at once: a disabled postmottak must not count as a
    working address for two more alerts.

    Both steps are conditional UPDATEs, not read-modify-write: two workers recording bounces for the
    same contact at once must neither lose a count nor both report the change (STYLE C4).
    """
    session.execute(update(Contact).where(Contact.id == contact_id)
                    .values(hard_bounces=Contact.hard_bounces + 1))
    threshold = 1 if mailbox else threshold
    changed = session.execute(
        update(Contact)
        .where(Contact.id == contact_id, Contact.status == "active", Contact.hard_bounces >= threshold)
        .values(status="bouncing")
    ).rowcount
    return changed == 1
