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
from relay.archive.links import public_alert_url
from relay.delivery.outbox import enqueue
from relay.digests.render_pass import RenderPass
from relay.digests.render_pass import source_label as source_label  # re-exported: the archive pages use it
from relay.mail.compose import build_message
from relay.models import Assignment, Contact, Digest, Message, Organisation
from relay.settings import Settings
from relay.standards import contact_language


class MailLinks:
    """The signed links of one contact's mail: each one acts for that contact when followed."""

    def __init__(self, settings: Settings, contact_id: int):
        self.settings, self.contact_id = settings, contact_id

    def ack(self, alert_id: int) -> str:
        return links.ack_url(self.settings, alert_id=alert_id, contact_id=self.contact_id)

    def click(self, assignment_id: int, url: str) -> str:
        return links.click_url(self.settings, assignment_id=assignment_id, url=url)

    def preferences(self) -> str:
        return links.preferences_url(self.settings, contact_id=self.contact_id)

    def page(self, alert_id: int, language: str) -> str:
        """The alert's public page (unsigned: it acts for no one, so the preview keeps it too)."""
        return public_alert_url(self.settings, alert_id=alert_id, language=language)

    def unsubscribe(self, sectors: list[str]) -> str:
        return links.unsubscribe_url(self.settings, contact_id=self.contact_id, sectors=sectors)


class PreviewLinks(MailLinks):
    """A governor's preview shows the mail, never the contact's power: a live acknowledgement link
    there let the governor "acknowledge for the municipality", and that counted in the ministry's
    reports. Every link points back at the preview page (harmless, and what the governor was
    reading; the fragment says which link it stands for), except the source, which is linked
    directly instead of through click tracking. No token is signed at all."""

    def _placeholder(self, which: str) -> str:
        return f"{self.settings.base_url}/digests/preview/{self.contact_id}#preview-{which}"

    def ack(self, alert_id: int) -> str:
        return self._placeholder("ack")

    def click(self, assignment_id: int, url: str) -> str:
        # The source itself, untracked: the governor may open it, and no click is recorded.
        return url if url.lower().startswith(("https://", "http://")) else self._placeholder("source")

    def preferences(self) -> str:
        return self._placeholder("preferences")

    def unsubscribe(self, sectors: list[str]) -> str:
        return self._placeholder("unsubscribe")


def render_pending(*, session: Session, settings: Settings, preview: bool = False,
                   limit: int | None = None) -> list[Message]:
    """Messages for every digest and immediate assignment that has none yet.
    preview: links that cannot act and no receipt hooks (relay.digests.preview, rolled back after).
    limit: at most this many immediate messages while there are any (relay.pipeline commits an
    urgent fan-out in parts); digests, never split, come once none is left."""
    query = select(Assignment).where(Assignment.message_id.is_(None)).order_by(Assignment.id)
    if limit is not None:
        immediate = session.scalars(query.where(Assignment.digest_id.is_(None)).limit(limit)).all()
        if immediate:
            shared = RenderPass(session, immediate)
            rendered = [_render(session, settings, shared, [a], digest=None, preview=preview) for a in immediate]
            shared.write_links(session)
            return rendered
    pending = list(session.scalars(query))
    shared = RenderPass(session, pending)
    by_digest: dict[int, list[Assignment]] = defaultdict(list)
    messages = []
    for assignment in pending:
        if assignment.digest_id is not None:
            by_digest[assignment.digest_id].append(assignment)
        else:
            messages.append(_render(session, settings, shared, [assignment], digest=None, preview=preview))
    for digest_id, assignments in sorted(by_digest.items()):
        messages.append(_render(session, settings, shared, assignments, digest=session.get(Digest, digest_id),
                                preview=preview))
    shared.write_links(session)
    return messages


def language_for(contact: Contact) -> str:
    """Kept for the pages that import it; the rule is relay.standards.message_language."""
    return contact_language(contact)


def _render(session: Session, settings: Settings, shared: RenderPass, assignments: list[Assignment], *,
            digest: Digest | None, preview: bool = False) -> Message:
    contact = shared.contacts[assignments[0].contact_id]
    municipality: Organisation = contact.municipality
    language = language_for(contact)
    alerts = [shared.alerts[a.alert_id] for a in assignments]
    sectors_in_mail = sorted({s for alert in alerts for s in alert.sector_ids})
    mail_links = (PreviewLinks if preview else MailLinks)(settings, contact.id)
    unsubscribe = mail_links.unsubscribe(sectors_in_mail)
    context = {
        "recipient_name": contact.name,
        "municipality_name": shared.municipality_name(municipality),
        "office_name": shared.office_name(alerts[0], language),
        "period_label": _period_label(digest, language),
        "sections": _sections(shared, mail_links, alerts, assignments, language),
        "preferences_url": mail_links.preferences(),
        "unsubscribe_url": unsubscribe,
    }
    if digest is not None:
        kind, purpose = "digest", f"digest:{digest.id}"
    else:
        kind, purpose = "alert", f"alert:{alerts[0].id}:{contact.id}"
        context["alert"] = context["sections"][0]["alerts"][0]
    if preview:
        # The rolled-back digest's id is handed out again (SQLite reuses it): a key no message will ever
        # have keeps the open pixel and the bounce/MDN addresses of a preview from naming a real one.
        purpose = f"preview:{purpose}"
        settings = settings.model_copy(update={"receipts": settings.receipts.model_copy(update={"open_pixel": False})})
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
    shared.link(assignments, message.id)
    return message


def _sections(shared: RenderPass, mail_links: MailLinks, alerts, assignments, language) -> list[dict]:
    names = shared.sector_names(language)
    by_sector: dict[str, list[dict]] = defaultdict(list)
    for alert, assignment in zip(alerts, assignments, strict=True):
        sector, texts = shared.alert_texts(alert, language)
        by_sector[sector].append({
            **{k: v for k, v in texts.items() if k != "display_url"},
            # The links are this contact's own (signed for them), so they are made per message.
            "source_url": mail_links.click(assignment.id, texts["display_url"]) if texts["display_url"] else "",
            "ack_url": mail_links.ack(alert.id),
            "page_url": mail_links.page(alert.id, language),
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
