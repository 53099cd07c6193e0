"""Single messages that are not digests: the sign-in link and the governors' bounce notices (the
sign-up mails are queued by relay/web/pages/public/subscriptions.py)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay.delivery.outbox import enqueue
from relay.mail.compose import build_message
from relay.mail.sender import municipality_name, office_name
from relay.models import Message, User, utcnow
from relay.settings import Settings
from relay.standards import user_language

# Anyone may post the sign-in form with anyone's address, from many client addresses and to any web
# process: this many sign-in mails per address in this window is plenty for a person who lost a
# mail, and keeps a stranger from filling the inbox. Counted in the message table, so every process
# shares it.
MAX_SIGNIN_MAILS = 5
SIGNIN_MAIL_WINDOW = timedelta(minutes=15)


def signin_mail_key(*, session: Session, to_address: str) -> str | None:
    """The purpose key for the next sign-in mail to this address, or None while MAX_SIGNIN_MAILS were
    queued for it within SIGNIN_MAIL_WINDOW. The key names the last sign-in mail to the address, so two
    requests racing past the count (two processes) still queue one row.

    to_address is the user's stored address, matched exactly as queue_signin_message writes it: SQLite's
    lower() folds only ASCII, so a case-folded match would miss "Øystein@…" and let it past the limit."""
    latest = session.execute(
        select(Message.id, Message.created_at).where(Message.kind == "signin", Message.to_address == to_address)
        .order_by(Message.id.desc()).limit(MAX_SIGNIN_MAILS)).all()
    cutoff = utcnow() - SIGNIN_MAIL_WINDOW
    if sum(1 for row in latest if row.created_at > cutoff) >= MAX_SIGNIN_MAILS:
        return None
    digest = hashlib.sha256(to_address.encode()).hexdigest()[:16]
    return f"signin:{digest}:{latest[0].id if latest else 0}"


def queue_signin_message(*, session: Session, settings: Settings, user: User, url: str,
                         language: str | None = None, key: str | None = None) -> Message:
    """The sign-in link, in the language of the page it was asked for from (else the user's own); a
    contact's in their municipality's standard and a länsstyrelse's staff's in Swedish (relay.standards).
    `key` (from signin_mail_key) makes a second request racing for the same slot queue nothing."""
    key = key or f"signin:{secrets.token_hex(8)}"
    composed = build_message(
        "signin", to=user.email, language=user_language(session, user, language), settings=settings, message_key=key,
        context={"recipient_name": user.name, "login_url": url, "minutes": settings.login_link_minutes},
    )
    return enqueue(
        session=session, purpose_key=key, kind="signin", to_address=user.email,
        envelope_from=composed.envelope_from, message=composed.message, subject=composed.subject,
        message_id_header=composed.message_id, deadline_hours=1,
    )


def queue_bounce_notices(*, session: Session, settings: Settings, contact_ids: list[int]) -> list[Message]:
    """Tell the governors of the contact's office that the address now bounces."""
    from sqlalchemy import select

    from relay.models import Contact, ReceiptEvent

    messages = []
    for contact_id in contact_ids:
        contact = session.get(Contact, contact_id)
        municipality = contact.municipality
        last = session.scalars(select(ReceiptEvent).where(ReceiptEvent.contact_id == contact_id,
                                                          ReceiptEvent.kind == "bounced")
                               .order_by(ReceiptEvent.id.desc())).first()
        evidence = last.evidence if last else {}
        governors = session.scalars(select(User).where(User.role == "governor", User.active.is_(True),
                                                       User.office_id == municipality.office_id)).all()
        for governor in governors:
            key = f"bounce-notice:{contact_id}:{contact.hard_bounces}:{governor.id}"
            language = user_language(session, governor)
            composed = build_message(
                "bounce-notice", to=governor.email, language=language, settings=settings,
                message_key=key, context={
                    "recipient_name": governor.name, "office_name": office_name(governor.office, language),
                    "municipality_name": municipality_name(municipality), "contact_name": contact.name,
                    "contact_email": contact.email or "", "bounce_count": contact.hard_bounces,
                    "diagnostic": evidence.get("diagnostic", "") or evidence.get("status", ""),
                    "bounced_at": last.occurred_at if last else "", "contact_url": f"{settings.base_url}/contacts",
                })
            messages.append(enqueue(
                session=session, purpose_key=key, kind="bounce-notice", to_address=governor.email,
                envelope_from=composed.envelope_from, message=composed.message, subject=composed.subject,
                message_id_header=composed.message_id, deadline_hours=24,
            ))
    return messages
