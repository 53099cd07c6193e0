"""Reports arriving at the inbound SMTP receiver become receipt events with evidence, once each."""

from __future__ import annotations

import aiosmtplib
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from relay.db import transaction
from relay.delivery.outbox import enqueue
from relay.mail.envelope import bounce_address, unsubscribe_address
from relay.models import Contact, Message, RawReport, ReceiptEvent, Subscription
from relay.receipts.receiver import BounceHandler, handle_report
from tests.factories import make_alert, make_contact, make_municipality, make_office, make_user
from tests.receipts.test_dsn import MESSAGE_ID, RECIPIENT, fixture
from tests.smtpsink import free_port


def _sent_digest(engine, settings, key="digest:41"):
    with transaction(engine) as session:
        office = make_office(session)
        muni = make_municipality(session, office=office, name="Voss")
        contact = make_contact(session, municipality=muni, email=RECIPIENT)
        make_user(session, role="governor", office=office, email="kari@statsforvalteren.test")
        message = enqueue(session=session, purpose_key=key, kind="digest", to_address=RECIPIENT,
                          envelope_from=bounce_address(settings, key), message=b"Subject: x\r\n\r\nx\r\n",
                          subject="x", message_id_header=MESSAGE_ID, contact_id=contact.id)
        message.status = "sent"
        return message.id, contact.id, bounce_address(settings, key)


async def _deliver(settings, engine, raw: bytes, rcpt: str) -> None:
    port = free_port()
    controller = Controller(BounceHandler(engine=engine, settings=settings), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        # Bounces come with the null sender (MAIL FROM:<>), which the high-level send() refuses.
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
        await client.connect()
        await client.mail("")
        await client.rcpt(rcpt)
        await client.data(raw)
        await client.quit()
    finally:
        controller.stop()


async def test_a_hard_bounce_over_smtp_fails_the_message_and_is_recorded_once(engine, settings):
    message_id, contact_id, address = _sent_digest(engine, settings)
    raw = fixture("postfix_user_unknown.eml", bounce=address)
    await _deliver(settings, engine, raw, address)
    await _deliver(settings, engine, raw, address)  # the same report again: nothing new
    with transaction(engine) as session:
        message = session.get(Message, message_id)
        assert message.status == "permanent-failure" and "5.1.1" in message.last_reply
        [event] = session.scalars(select(ReceiptEvent).where(ReceiptEvent.kind == "bounced")).all()
        assert event.evidence["hard"] and event.evidence["remote_mta"] == "mx1.kommune.test"
        assert session.scalar(select(func.count()).select_from(RawReport)) == 1
        assert session.get(Contact, contact_id).hard_bounces == 1


def test_a_policy_rejection_does_not_count_against_the_address(engine, settings):
    _, contact_id, address = _sent_digest(engine, settings)
    handle_report(engine=engine, settings=settings, raw=fixture("gmail_policy_block.eml", bounce=address),
                  channel="imap")
    with transaction(engine) as session:
        event = session.scalars(select(ReceiptEvent)).one()
        assert event.evidence["policy"] is True
        assert session.get(Contact, contact_id).hard_bounces == 0


def test_delivery_and_soft_failures_and_read_receipts(engine, settings):
    message_id, contact_id, address = _sent_digest(engine, settings)
    handle_report(engine=engine, settings=settings, raw=fixture("exchange_delivered.eml", bounce=address), channel="imap")
    with transaction(engine) as session:
        assert session.get(Message, message_id).status == "delivered"
    handle_report(engine=engine, settings=settings, raw=fixture("outlook_mdn_displayed.eml"), channel="imap")
    with transaction(engine) as session:
        kinds = sorted(session.scalars(select(ReceiptEvent.kind)))
        assert kinds == ["delivered", "read"]
    handle_report(engine=engine, settings=settings, raw=fixture("exim_mailbox_full.eml", bounce=address), channel="imap")
    with transaction(engine) as session:
        soft = session.scalars(select(ReceiptEvent).where(ReceiptEvent.kind == "bounced")).one()
        assert soft.evidence["hard"] is False
        assert session.get(Contact, contact_id).hard_bounces == 0


def test_hard_bounces_past_the_threshold_mark_the_contact_and_tell_its_governor(engine, settings):
    _, contact_id, _ = _sent_digest(engine, settings, key="digest:1")
    for n in range(2, 5):
        key = f"digest:{n}"
        with transaction(engine) as session:
            enqueue(session=session, purpose_key=key, kind="digest", to_address=RECIPIENT,
                    envelope_from=bounce_address(settings, key), message=b"Subject: x\r\n\r\nx\r\n", subject="x",
                    message_id_header=f"<d{n}@relay.test>", contact_id=contact_id)
    for n in range(1, 4):
        address = bounce_address(settings, f"digest:{n}")
        raw = fixture("postfix_user_unknown.eml", bounce=address).replace(MESSAGE_ID.encode(), f"<d{n}@x>".encode())
        handle_report(engine=engine, settings=settings, raw=raw, channel="smtp")
    with transaction(engine) as session:
        contact = session.get(Contact, contact_id)
        assert (contact.hard_bounces, contact.status) == (3, "bouncing")
        notice = session.scalars(select(Message).where(Message.kind == "bounce-notice")).one()
        assert notice.to_address == "kari@statsforvalteren.test"


def test_a_forged_bounce_address_matches_nothing(engine, settings):
    message_id, _, address = _sent_digest(engine, settings)
    local, domain = address.split("@")
    forged = f"{local[:-4]}{'0000' if not local.endswith('0000') else '1111'}@{domain}"  # a wrong mac
    raw = fixture("postfix_user_unknown.eml", bounce=forged).replace(MESSAGE_ID.encode(), b"<other@x>")
    result = handle_report(engine=engine, settings=settings, raw=raw, channel="smtp", envelope_to=[forged])
    assert result.message_id is None and result.error


async def test_the_mailto_unsubscribe_ends_the_sectors_of_that_message(engine, settings):
    message_id, contact_id, _ = _sent_digest(engine, settings)
    with transaction(engine) as session:
        from relay.models import Assignment

        contact = session.get(Contact, contact_id)
        alert = make_alert(session, municipalities=[contact.municipality])
        session.add(Assignment(alert_id=alert.id, contact_id=contact_id, municipality_id=contact.municipality_id,
                               via="digest", message_id=message_id))
    address = unsubscribe_address(settings, "digest:41")
    await _deliver(settings, engine, b"Subject: unsubscribe\r\n\r\n", address)
    with transaction(engine) as session:
        sub = session.scalars(select(Subscription).where(Subscription.contact_id == contact_id)).one()
        assert sub.active is False
        assert session.scalars(select(ReceiptEvent).where(ReceiptEvent.kind == "unsubscribed")).one()


def test_relayed_is_not_delivered(engine, settings):
    """A relay that says "relayed" hands the message to a hop that sends no DSNs: nothing is proven."""
    message_id, _, address = _sent_digest(engine, settings)
    raw = fixture("exchange_delivered.eml", bounce=address).replace(b"Action: delivered", b"Action: relayed")
    result = handle_report(engine=engine, settings=settings, raw=raw, channel="smtp", envelope_to=[address])
    assert result.message_id == message_id and result.events == []
    with transaction(engine) as session:
        assert session.get(Message, message_id).status == "sent"
        assert session.scalar(select(func.count()).select_from(ReceiptEvent)) == 0


def test_the_same_bounce_without_a_message_id_arriving_twice_with_other_headers_counts_once(engine, settings):
    _, contact_id, address = _sent_digest(engine, settings)
    raw = fixture("postfix_user_unknown.eml", bounce=address)
    raw = raw.replace(b"Message-Id: <20261117091502.4Xyz1234AB@mx.relay.test>\r\n", b"")
    handle_report(engine=engine, settings=settings, raw=raw, channel="smtp", envelope_to=[address])
    handle_report(engine=engine, settings=settings, raw=b"Delivered-To: " + address.encode() + b"\r\n" + raw,
                  channel="imap")
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(ReceiptEvent)) == 1
        assert session.scalar(select(func.count()).select_from(RawReport)) == 2
        assert session.get(Contact, contact_id).hard_bounces == 1
