"""What a contact's next digest would look like, rendered exactly as it will be sent, then thrown away.

The planner and renderer run inside a savepoint that is rolled back, so a preview changes nothing.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay.digests.periods import local_midnight_utc, period_containing
from relay.digests.plan import _active_alerts, wanted_pairs
from relay.digests.render import render_pending
from relay.models import Assignment, Contact, Digest, utcnow
from relay.settings import Settings


@dataclass(frozen=True)
class Preview:
    subject: str
    text: str
    html: str
    alert_count: int


def preview_digest(*, session: Session, settings: Settings, contact_id: int) -> Preview | None:
    """None when the contact would receive nothing (an empty digest is never sent)."""
    contact = session.get(Contact, contact_id)
    frequencies = {s.frequency for s in contact.subscriptions if s.active} - {"immediate"} or {"weekly"}
    frequency = "weekly" if "weekly" in frequencies else "monthly"
    period = period_containing(frequency, utcnow().date())
    already = select(Digest.id).where(Digest.contact_id == contact_id, Digest.frequency == frequency,
                                      Digest.period_start == period[0])
    if session.scalar(already) is not None:  # this period's digest exists (sent early): show the next one
        period = period_containing(frequency, period[1])  # periods are [start, end)
    savepoint = session.begin_nested()
    try:
        alerts = _active_alerts(session, approved_before=local_midnight_utc(period[1], settings.timezone))
        pairs = {k: v for k, v in wanted_pairs(session, alerts, frequency).items() if k[1] == contact_id}
        if not pairs:
            return None
        digest = Digest(contact_id=contact_id, frequency=frequency, period_start=period[0], period_end=period[1])
        session.add(digest)
        session.flush()
        for (alert_id, _), (_, via) in pairs.items():
            session.add(Assignment(alert_id=alert_id, contact_id=contact_id, municipality_id=contact.municipality_id,
                                   via=via, digest_id=digest.id))
        session.flush()
        [message] = [m for m in render_pending(session=session, settings=settings, preview=True)
                     if m.digest_id == digest.id]
        parsed = email.message_from_bytes(message.mime, policy=email.policy.default)
        return Preview(subject=str(parsed["Subject"]), text=parsed.get_body(("plain",)).get_content(),
                       html=parsed.get_body(("html",)).get_content(), alert_count=len(pairs))
    finally:
        savepoint.rollback()
