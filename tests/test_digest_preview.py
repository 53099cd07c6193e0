"""The governor's preview of a contact's next digest: rendered as it will be sent, and nothing kept."""

from __future__ import annotations

from sqlalchemy import func, select

from relay.db import transaction
from relay.digests.periods import period_containing
from relay.digests.preview import preview_digest
from relay.models import Assignment, Digest, Message, utcnow
from tests import factories


def _counts(session):
    return [session.scalar(select(func.count()).select_from(m)) for m in (Digest, Assignment, Message)]


def test_the_preview_shows_the_next_digest_and_keeps_nothing(engine, settings):
    with transaction(engine) as session:
        office = factories.make_office(session)
        voss = factories.make_municipality(session, office=office, code="4621", name="Voss", malform="nynorsk")
        contact = factories.make_contact(session, municipality=voss)
        factories.make_alert(session, office=office, municipalities=[voss], title_nn="Samvær etter omsorgsovertaking")
        contact_id = contact.id
    with transaction(engine) as session:
        preview = preview_digest(session=session, settings=settings, contact_id=contact_id)
        assert preview is not None and preview.alert_count == 1
        assert "Samvær etter omsorgsovertaking" in preview.text  # the contact's written standard: nynorsk
        assert _counts(session) == [0, 0, 0]


def test_a_period_whose_digest_already_exists_previews_the_next_period(engine, settings):
    with transaction(engine) as session:
        office = factories.make_office(session)
        bergen = factories.make_municipality(session, office=office)
        contact = factories.make_contact(session, municipality=bergen)
        factories.make_alert(session, office=office, municipalities=[bergen])
        start, end = period_containing("weekly", utcnow().date())
        session.add(Digest(contact_id=contact.id, frequency="weekly", period_start=start, period_end=end))
        contact_id = contact.id
    with transaction(engine) as session:
        preview = preview_digest(session=session, settings=settings, contact_id=contact_id)
        assert preview is not None and preview.alert_count == 1  # was a unique-key crash (HTTP 500)
        assert _counts(session) == [1, 0, 0]
