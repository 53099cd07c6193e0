"""The web personas of tests/web (two offices, Voss and Bergen in Vestland, Kristiansand in Agder),
plus receipts for Vestland's alert: Voss reached and acknowledged, Bergen reached by its fallback
address only, with one human and two scanner clicks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from relay.db import transaction
from relay.models import Acknowledgement, Alert, Assignment, Contact, Message, Organisation, ReceiptEvent
from tests import factories
from tests.web.conftest import app, client_for, world  # noqa: F401 - fixtures shared with tests/web


def _message(s, contact, at, accepted=True) -> int:
    return s.scalar(insert(Message).returning(Message.id).values(
        purpose_key=f"digest:{contact.id}", kind="digest", contact_id=contact.id, to_address=contact.email,
        envelope_from="b@relay.test", subject="Varsel", message_id_header=f"<{contact.id}@relay.test>",
        status="sent" if accepted else "queued", created_at=at, next_attempt_at=at, sent_at=at if accepted else None))


@pytest.fixture
def receipts(engine, world):  # noqa: F811 - the imported fixture
    with transaction(engine) as s:
        alert = s.get(Alert, world.alert_a)
        at = alert.approved_at + timedelta(hours=2)
        voss = s.query(Contact).filter(Contact.municipality_id == world.munis_a[0]).first()
        bergen = factories.make_contact(s, municipality=s.get(Organisation, world.munis_a[1]), kind="fallback",
                                        email="postmottak@bergen.test", sectors=())
        for contact, muni in ((voss, world.munis_a[0]), (bergen, world.munis_a[1])):
            message_id = _message(s, contact, at)
            s.execute(insert(Assignment).values(alert_id=alert.id, contact_id=contact.id, municipality_id=muni,
                                                via="digest" if contact is voss else "fallback", message_id=message_id))
            s.execute(insert(ReceiptEvent).values(dedupe_key=f"accepted:{message_id}", kind="accepted", occurred_at=at,
                                                  message_id=message_id, contact_id=contact.id, evidence={}))
        for n, bot in enumerate((None, "scanner-agent", "head-request")):
            s.execute(insert(ReceiptEvent).values(
                dedupe_key=f"clicked:{n}", kind="clicked", occurred_at=at + timedelta(minutes=n), alert_id=alert.id,
                contact_id=voss.id, municipality_id=world.munis_a[0], filtered=bot, evidence={}))
        s.execute(insert(Acknowledgement).values(alert_id=alert.id, contact_id=voss.id, municipality_id=world.munis_a[0],
                                                 acknowledged_at=at + timedelta(hours=25), updated_at=at,
                                                 follow_up="will-follow-up"))
    return world


@pytest.fixture
def vestland(engine, receipts) -> int:
    """A county (Vestland) holding Voss and Bergen."""
    with transaction(engine) as s:
        county = Organisation(profile="no", kind="county", code="46", name="Vestland")
        s.add(county)
        s.flush()
        for muni_id in receipts.munis_a:
            s.get(Organisation, muni_id).county_id = county.id
        return county.id
