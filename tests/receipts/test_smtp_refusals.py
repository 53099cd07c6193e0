"""5xx refusals at SMTP time count towards `bouncing` like DSNs, and the governor is told once. A
mailbox-level status (5.1.x, 5.2.1) marks the address failing at once (issue 18)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from relay.db import transaction
from relay.delivery.outbox import enqueue
from relay.delivery.policy import classify_reply
from relay.delivery.transitions import record_verdict, refuses_the_address, start_attempt
from relay.mail.envelope import bounce_address
from relay.models import Contact, Message, ReceiptEvent, utcnow
from relay.receipts.receiver import handle_report
from tests.factories import make_contact, make_municipality, make_office, make_user
from tests.receipts.test_dsn import MESSAGE_ID, RECIPIENT, fixture

UNKNOWN_USER = (550, "5.1.1 <kari.nordmann@kommune.test>: Recipient address rejected: User unknown", "rcpt")
# A refusal of the address without a mailbox-level status: it counts towards the threshold only.
UNAVAILABLE = (550, "Requested action not taken: mailbox unavailable", "rcpt")
DMARC = (550, "5.7.26 Unauthenticated email from relay.test is not accepted due to DMARC policy", "rcpt")


@pytest.fixture
def contact_id(engine):
    with transaction(engine) as session:
        office = make_office(session)
        make_user(session, role="governor", office=office, email="kari@statsforvalteren.test")
        contact = make_contact(session, municipality=make_municipality(session, office=office), email=RECIPIENT)
        return contact.id


def _refused(engine, settings, contact_id: int, n: int, reply=UNKNOWN_USER) -> str:
    """One message to the contact, claimed and tried once, answered with `reply`."""
    key = f"alert:{n}:{contact_id}"
    now = utcnow()
    with transaction(engine) as session:
        message = enqueue(session=session, purpose_key=key, kind="alert", to_address=RECIPIENT,
                          envelope_from=bounce_address(settings, key), message=b"Subject: x\r\n\r\nx\r\n",
                          subject="x", message_id_header=f"<m{n}@relay.test>", contact_id=contact_id)
        message.status, message.claimed_by = "sending", "w1"
        message_id = message.id
    with transaction(engine) as session:
        started = start_attempt(session=session, message_id=message_id, worker="w1", now=now)
    with transaction(engine) as session:
        return record_verdict(session=session, message_id=message_id, number=started.number, worker="w1",
                              verdict=classify_reply(*reply), now=now, retry_deadline=timedelta(hours=72),
                              settings=settings)


def _state(engine, contact_id):
    with transaction(engine) as session:
        contact = session.get(Contact, contact_id)
        notices = session.scalars(select(Message).where(Message.kind == "bounce-notice")).all()
        return contact.hard_bounces, contact.status, [m.to_address for m in notices]


def test_address_refusals_mark_the_contact_bouncing_and_tell_the_governor_once(engine, settings, contact_id):
    assert _refused(engine, settings, contact_id, 1, UNAVAILABLE) == "permanent-failure"
    _refused(engine, settings, contact_id, 2, UNAVAILABLE)
    assert _state(engine, contact_id) == (2, "active", [])
    _refused(engine, settings, contact_id, 3, UNAVAILABLE)
    assert _state(engine, contact_id) == (3, "bouncing", ["kari@statsforvalteren.test"])
    _refused(engine, settings, contact_id, 4, UNAVAILABLE)  # still counted, but the governor already knows
    assert _state(engine, contact_id) == (4, "bouncing", ["kari@statsforvalteren.test"])


def test_an_unknown_user_fails_the_address_at_once(engine, settings, contact_id):
    assert _refused(engine, settings, contact_id, 1) == "permanent-failure"
    assert _state(engine, contact_id) == (1, "bouncing", ["kari@statsforvalteren.test"])
    _refused(engine, settings, contact_id, 2)
    assert _state(engine, contact_id) == (2, "bouncing", ["kari@statsforvalteren.test"])
    with transaction(engine) as session:
        events = session.scalars(select(ReceiptEvent).where(ReceiptEvent.kind == "bounced")).all()
        assert {e.dedupe_key.rsplit(":", 1)[0] for e in events} == {"bounced:smtp"}
        assert all(e.evidence["source"] == "smtp" and e.evidence["class"] == "address" for e in events)


def test_policy_refusals_are_bounces_but_never_count_against_the_address(engine, settings, contact_id):
    for n in range(1, 5):
        assert _refused(engine, settings, contact_id, n, DMARC) == "permanent-failure"
    assert _state(engine, contact_id) == (0, "active", [])


def test_smtp_refusals_and_dsns_add_up_to_one_notice(engine, settings, contact_id):
    _refused(engine, settings, contact_id, 1, UNAVAILABLE)
    _refused(engine, settings, contact_id, 2, UNAVAILABLE)
    key = "digest:41"
    with transaction(engine) as session:
        message = enqueue(session=session, purpose_key=key, kind="digest", to_address=RECIPIENT,
                          envelope_from=bounce_address(settings, key), message=b"Subject: x\r\n\r\nx\r\n",
                          subject="x", message_id_header=MESSAGE_ID, contact_id=contact_id)
        message.status = "sent"
    result = handle_report(engine=engine, settings=settings, channel="smtp",
                           raw=fixture("postfix_user_unknown.eml", bounce=bounce_address(settings, key)))
    assert result.newly_bouncing == [contact_id]
    assert _state(engine, contact_id) == (3, "bouncing", ["kari@statsforvalteren.test"])


@pytest.mark.parametrize(("reply", "counts"), [
    (UNKNOWN_USER, True),
    (DMARC, False),
    ((550, "5.4.4 Unable to route", "rcpt"), False),  # transient in disguise
    ((554, "5.6.0 Message content rejected", "data"), False),  # the content, not the address
    ((550, "5.1.1 User unknown", "data"), True),  # a server that only checks after DATA
    ((452, "4.2.2 Mailbox full", "rcpt"), False),
    (UNAVAILABLE, True),
])
def test_which_refusals_are_about_the_address(reply, counts):
    assert refuses_the_address(classify_reply(*reply)) is counts
