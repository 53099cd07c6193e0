"""What Relay holds about one e-mail address (export), and GDPR erasure of it.

Erasure removes the person, not the facts: the contact row stays (anonymous, status "erased") with its
assignments, message rows, receipt events and acknowledgements, so the reach reports of past alerts
keep their counts. What goes is everything that names or reaches the person: address and name, the
message bodies (MIME) and recipient address of every message to them, the raw DSNs about those
messages, the address inside receipt evidence and the audit log, and any user account with the address.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Text, cast, func, or_, select, update
from sqlalchemy.orm import Session

from relay import audit
from relay.models import (
    Acknowledgement,
    AuditEntry,
    Contact,
    Message,
    RawReport,
    ReceiptEvent,
    Subscription,
    User,
    utcnow,
)

ERASED = "[erased]"


def _contacts(session: Session, email: str) -> list[Contact]:
    return list(session.scalars(select(Contact).where(func.lower(Contact.email) == email.strip().lower())))


def _messages(session: Session, email: str, contact_ids: list[int]):
    # Messages to the address without a contact (sign-in links to a user) belong to the person too.
    return select(Message).where(or_(Message.contact_id.in_(contact_ids),
                                     func.lower(Message.to_address) == email.strip().lower()))


def _row(obj, *names) -> dict:
    return {name: _plain(getattr(obj, name)) for name in names}


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def export_contact(*, session: Session, email: str) -> dict:
    """Everything Relay holds about the address, as JSON-ready data (`relay contact export`)."""
    contacts = _contacts(session, email)
    ids = [c.id for c in contacts]
    messages = session.scalars(_messages(session, email, ids).order_by(Message.id)).all()
    message_ids = [m.id for m in messages]
    events = session.scalars(select(ReceiptEvent).where(or_(ReceiptEvent.contact_id.in_(ids),
                                                            ReceiptEvent.message_id.in_(message_ids)))
                             .order_by(ReceiptEvent.id)).all()
    return {
        "email": email,
        "exported_at": utcnow().isoformat(),
        "contacts": [_row(c, "id", "email", "name", "kind", "status", "language", "hard_bounces", "created_at",
                          "confirmed_at", "unsubscribed_at", "erased_at") | {"municipality": c.municipality.name}
                     for c in contacts],
        "subscriptions": [_row(s, "contact_id", "sector", "frequency", "active", "created_at", "ended_at")
                          for s in session.scalars(select(Subscription).where(Subscription.contact_id.in_(ids)))],
        "messages": [_row(m, "id", "kind", "to_address", "subject", "status", "attempts", "created_at", "sent_at",
                          "message_id_header", "last_reply") for m in messages],
        "receipt_events": [_row(e, "id", "kind", "occurred_at", "message_id", "alert_id", "filtered", "evidence")
                           for e in events],
        "acknowledgements": [_row(a, "alert_id", "contact_id", "acknowledged_at", "follow_up", "comment", "updated_at")
                             for a in session.scalars(select(Acknowledgement).where(Acknowledgement.contact_id.in_(ids)))],
        "user_accounts": [_row(u, "id", "email", "name", "role", "language", "active", "created_at", "last_login_at")
                          for u in session.scalars(select(User).where(func.lower(User.email) == email.lower()))],
        "audit_entries": [_row(a, "at", "action", "entity", "entity_id")
                          for a in session.scalars(select(AuditEntry).where(AuditEntry.actor == email))],
    }


@dataclass
class ErasureReport:
    contacts: int = 0
    messages: int = 0
    events: int = 0
    raw_reports: int = 0
    users: int = 0
    audit_entries: int = 0

    def __str__(self) -> str:
        return ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in asdict(self).items())


def scrub(value, address: str):
    """The value with every spelling of the address replaced, inside JSON structures too."""
    if isinstance(value, str):
        lowered = value.lower()
        at = lowered.find(address)
        while at >= 0:
            value = value[:at] + ERASED + value[at + len(address):]
            lowered = value.lower()
            at = lowered.find(address)
        return value
    if isinstance(value, dict):
        return {k: scrub(v, address) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, address) for v in value]
    return value


def erase_address(*, session: Session, email: str, actor: str = "cli", now: datetime | None = None) -> ErasureReport:
    """Erase the person behind the address everywhere; the counts in every report stay as they were."""
    address = email.strip().lower()
    return _erase(session, _contacts(session, address), address, actor, now or utcnow(), whole_person=True)


def erase_contact(*, session: Session, contact: Contact, actor: str, now: datetime | None = None,
                  only_this_row: bool = False) -> ErasureReport:
    """Erase one contact row (retention: an unsubscribed mailbox). When the same address is still an
    active contact elsewhere, or a user, or the caller says so (only_this_row: the address itself lives
    on, e.g. as a postmottak), only this row and its own messages are erased."""
    address = (contact.email or "").strip().lower()
    if only_this_row:
        return _erase(session, [contact], address, actor, now or utcnow(), whole_person=False)
    others = session.scalar(select(func.count()).select_from(Contact).where(
        func.lower(Contact.email) == address, Contact.id != contact.id))
    users = session.scalar(select(func.count()).select_from(User).where(
        func.lower(User.email) == address, User.role != "contact"))
    return _erase(session, [contact], address, actor, now or utcnow(), whole_person=not (others or users))


def _erase(session: Session, contacts: list[Contact], address: str, actor: str, now: datetime, *,
           whole_person: bool) -> ErasureReport:
    report = ErasureReport()
    ids = [c.id for c in contacts]
    for contact in contacts:
        contact.email, contact.name, contact.status, contact.erased_at = None, "", "erased", now
        for subscription in contact.subscriptions:
            if subscription.active:
                subscription.active, subscription.ended_at = False, now
        report.contacts += 1
    query = _messages(session, address, ids) if whole_person else select(Message).where(Message.contact_id.in_(ids))
    messages = session.scalars(query).all()
    for message in messages:
        if message.status in ("queued", "sending"):
            # A body that no longer exists cannot be sent; the row ends in a final state with its reason.
            message.status, message.lease_until = "permanent-failure", None
            message.last_reply = "recipient erased (GDPR)"
        message.mime, message.to_address = b"", ERASED
        message.last_reply = scrub(message.last_reply, address)
        report.messages += 1
    message_ids = [m.id for m in messages]
    for event in session.scalars(select(ReceiptEvent).where(or_(ReceiptEvent.contact_id.in_(ids),
                                                                ReceiptEvent.message_id.in_(message_ids)))):
        event.evidence = scrub(event.evidence, address)
        report.events += 1
    if message_ids:
        report.raw_reports = session.execute(update(RawReport).where(RawReport.message_id.in_(message_ids)).values(
            raw=None, parsed={}, purged=True)).rowcount
    if whole_person and address:
        _erase_user_and_audit(session, address, report)
    from relay.surveys.privacy import erase_from_surveys  # survey invitations and answers (issue 23)

    erase_from_surveys(session=session, contact_ids=ids, address=address if whole_person else "")
    # The record of the erasure names the contact ids, never the address.
    audit.record(session=session, actor=actor, action="contact.erase", entity="contact",
                 entity_id=",".join(map(str, ids)) or None, after=asdict(report))
    session.flush()
    return report


def _erase_user_and_audit(session: Session, address: str, report: ErasureReport) -> None:
    for user in session.scalars(select(User).where(func.lower(User.email) == address)):
        user.email, user.name, user.active, user.password_hash = f"erased-{user.id}@erased.invalid", "", False, None
        report.users += 1
    pattern = f"%{address}%"  # "_" in an address matches any letter: harmless, scrub() compares exactly
    for entry in session.scalars(select(AuditEntry).where(or_(
            func.lower(AuditEntry.actor) == address, func.lower(cast(AuditEntry.before, Text)).like(pattern),
            func.lower(cast(AuditEntry.after, Text)).like(pattern)))):
        before, after, who = scrub(entry.before, address), scrub(entry.after, address), scrub(entry.actor, address)
        if (before, after, who) != (entry.before, entry.after, entry.actor):
            entry.before, entry.after, entry.actor = before, after, who
            report.audit_entries += 1
