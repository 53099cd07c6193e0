"""Turn planned digests and immediate assignments into messages in the outbox.

Runs in the planner's transaction: the message row is committed together with its assignments,
before any byte goes to SMTP. Re-running finds nothing left to render (assignment.message_id set).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay import links
from relay.delivery.outbox import enqueue
from relay.i18n import translator
from relay.mail.compose import build_message
from relay.models import Alert, Assignment, Contact, Digest, Message, Organisation
from relay.register import written_standard
from relay.sectors import sector_names
from relay.settings import Settings


def source_label(body: str | None, language: str) -> str:
    """The issuing body in the recipient's written standard (språklova: nynorsk labels for nynorsk)."""
    if not body:
        return ""
    label = translator(language)(f"sources.body.{body}")
    return body if label == f"sources.body.{body}" else label


def render_pending(*, session: Session, settings: Settings) -> list[Message]:
    """Messages for every digest and immediate assignment that has none yet."""
    pending = list(session.scalars(select(Assignment).where(Assignment.message_id.is_(None)).order_by(Assignment.id)))
    by_digest: dict[int, list[Assignment]] = defaultdict(list)
    messages = []
    for assignment in pending:
        if assignment.digest_id is not None:
            by_digest[assignment.digest_id].append(assignment)
        else:
            messages.append(_render(session, settings, [assignment], digest=None))
    for digest_id, assignments in sorted(by_digest.items()):
        messages.append(_render(session, settings, assignments, digest=session.get(Digest, digest_id)))
    return messages


def language_for(contact: Contact) -> str:
    municipality = contact.municipality
    if municipality.profile == "se":
        return "sv"
    if contact.language == "en":
        return "en"
    return written_standard(municipality, contact.language)


def _render(session: Session, settings: Settings, assignments: list[Assignment], *, digest: Digest | None) -> Message:
    contact = session.get(Contact, assignments[0].contact_id)
    municipality: Organisation = contact.municipality
    language = language_for(contact)
    alerts = [session.get(Alert, a.alert_id) for a in assignments]
    sectors_in_mail = sorted({s for alert in alerts for s in alert.sector_ids})
    unsubscribe = links.unsubscribe_url(settings, contact_id=contact.id, sectors=sectors_in_mail)
    context = {
        "recipient_name": contact.name,
        "municipality_name": municipality.name,
        "office_name": alerts[0].office.name,
        "period_label": _period_label(digest, language),
        "sections": _sections(settings, alerts, assignments, contact, language),
        "preferences_url": links.preferences_url(settings, contact_id=contact.id),
        "unsubscribe_url": unsubscribe,
    }
    if digest is not None:
        kind, purpose = "digest", f"digest:{digest.id}"
    else:
        kind, purpose = "alert", f"alert:{alerts[0].id}:{contact.id}"
        context["alert"] = context["sections"][0]["alerts"][0]
    composed = build_message(
        kind, to=contact.email, language=language, context=context, settings=settings, message_key=purpose,
        list_id=f"digest.{municipality.code}", unsubscribe_url=unsubscribe,
    )
    message = enqueue(
        session=session, purpose_key=purpose, kind=kind, to_address=contact.email,
        envelope_from=composed.envelope_from, message=composed.message, subject=composed.subject,
        message_id_header=composed.message_id, contact_id=contact.id,
        digest_id=digest.id if digest else None, deadline_hours=settings.smtp.retry_deadline_hours,
    )
    for assignment in assignments:
        assignment.message_id = message.id
    return message


def _sections(settings, alerts, assignments, contact, language) -> list[dict]:
    names = sector_names(language)
    by_sector: dict[str, list[dict]] = defaultdict(list)
    for alert, assignment in zip(alerts, assignments, strict=True):
        # An alert in several sectors is shown once, under its first sector in the fixed order.
        sector = min(alert.sector_ids, key=lambda s: list(names).index(s) if s in names else 99)
        item = alert.item
        by_sector[sector].append({
            "title": alert.text("title", language),
            "summary": alert.text("summary", language),
            "meaning": alert.text("meaning", language),
            # No issuing body (a generic RSS source): the source's own name is the best label there is.
            "source_label": source_label(item.body, language) or (item.source.name if item.source else ""),
            "source_date": item.date.isoformat() if item.date else "",
            "source_url": links.click_url(settings, assignment_id=assignment.id, url=item.url) if item.url else "",
            "ack_url": links.ack_url(settings, alert_id=alert.id, contact_id=contact.id),
            "ack_deadline": alert.ack_deadline.isoformat() if alert.ack_deadline else "",
            "urgent": alert.priority == "urgent",
        })
    order = list(names)
    return [
        {"sector_id": s, "sector_name": names.get(s, s), "alerts": by_sector[s]}
        for s in sorted(by_sector, key=lambda s: order.index(s) if s in order else 99)
    ]


def _period_label(digest: Digest | None, language: str) -> str:
    if digest is None:
        return ""
    last = date.fromordinal(digest.period_end.toordinal() - 1)
    if language == "sv":  # Swedish usage: ISO dates
        return f"{digest.period_start.isoformat()}–{last.isoformat()}"
    return f"{digest.period_start:%d.%m.%Y}–{last:%d.%m.%Y}"
