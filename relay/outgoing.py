"""Single messages that are not digests: the sign-in link and the governors' bounce notices (the
sign-up mails are queued by relay/web/pages_subscriptions.py)."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from relay.delivery.outbox import enqueue
from relay.mail.compose import build_message
from relay.models import Message, User
from relay.settings import Settings


def queue_signin_message(*, session: Session, settings: Settings, user: User, url: str,
                         language: str | None = None) -> Message:
    """The sign-in link, in the language of the page it was asked for from (else the user's own)."""
    key = f"signin:{secrets.token_hex(8)}"
    composed = build_message(
        "signin", to=user.email, language=language or user.language or "nb", settings=settings, message_key=key,
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
            composed = build_message(
                "bounce-notice", to=governor.email, language=governor.language or "nb", settings=settings,
                message_key=key, context={
                    "recipient_name": governor.name, "office_name": governor.office.name if governor.office else "",
                    "municipality_name": municipality.name, "contact_name": contact.name,
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
