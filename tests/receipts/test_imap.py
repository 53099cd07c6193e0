"""The IMAP bounce mailbox against a real server (dovecot): each report recorded once, across channels too.

Skips with the reason when /usr/sbin/dovecot is absent (Debian package: dovecot-imapd).
"""

from __future__ import annotations

import ssl

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from relay.db import transaction
from relay.delivery.outbox import enqueue
from relay.mail.envelope import bounce_address
from relay.models import Contact, Message, RawReport, ReceiptEvent
from relay.receipts.receiver import poll_imap
from tests.receipts.dovecot import PASSWORD, USER, Dovecot, require_dovecot
from tests.receipts.test_dsn import MESSAGE_ID, RECIPIENT, fixture
from tests.receipts.test_inbound import _deliver, _sent_digest

OUT_OF_OFFICE = (b"From: Kari Nordmann <kari.nordmann@kommune.test>\r\nTo: bounces@relay.test\r\n"
                 b"Subject: Automatisk svar: Ukentlig oversikt\r\nAuto-Submitted: auto-replied\r\n"
                 b"Message-ID: <ooo-1@kommune.test>\r\n\r\nJeg er tilbake 2.1.25.\r\n")


@pytest.fixture
def dovecot(tmp_path):
    require_dovecot()
    with Dovecot(tmp_path) as server:
        yield server


def _imap_settings(settings, server: Dovecot):
    receipts = settings.receipts.model_copy(update={
        "imap_host": "127.0.0.1", "imap_port": server.port, "imap_username": USER, "imap_password": SecretStr(PASSWORD)})
    return settings.model_copy(update={"receipts": receipts})


def _as_stored_in_mailbox(raw: bytes, address: str) -> bytes:
    """What the mailbox holds after local delivery: the same report with trace headers on top."""
    return (f"Return-Path: <>\r\nDelivered-To: {address}\r\n"
            "Received: from mx.relay.test by imap.relay.test with LMTP; Tue, 17 Nov 2026 10:15:03 +0100\r\n"
            ).encode() + raw


def _second_message(engine, settings, contact_id: int) -> tuple[int, str]:
    key = "digest:42"
    with transaction(engine) as session:
        message = enqueue(session=session, purpose_key=key, kind="digest", to_address=RECIPIENT,
                          envelope_from=bounce_address(settings, key), message=b"Subject: y\r\n\r\ny\r\n",
                          subject="y", message_id_header="<digest.42@relay.test>", contact_id=contact_id)
        message.status = "sent"
        return message.id, bounce_address(settings, key)


def _counts(engine) -> tuple[dict[str, int], int]:
    with transaction(engine) as session:
        kinds = dict(session.execute(select(ReceiptEvent.kind, func.count()).group_by(ReceiptEvent.kind)).all())
        return kinds, session.scalar(select(func.count()).select_from(RawReport))


async def test_the_mailbox_is_read_once_and_a_report_seen_by_smtp_too_counts_once(engine, settings, dovecot):
    first_id, contact_id, first_address = _sent_digest(engine, settings)
    second_id, second_address = _second_message(engine, settings, contact_id)
    bounce = fixture("postfix_user_unknown.eml", bounce=first_address)
    delivered = fixture("exchange_delivered.eml", bounce=second_address).replace(
        MESSAGE_ID.encode(), b"<digest.42@relay.test>")
    # The bounce reached Relay's SMTP receiver first; its mailbox copy comes later through IMAP.
    await _deliver(settings, engine, bounce, first_address)
    for raw in (_as_stored_in_mailbox(bounce, first_address), delivered, delivered, OUT_OF_OFFICE):
        dovecot.append(raw)
    settings = _imap_settings(settings, dovecot)

    assert poll_imap(engine=engine, settings=settings, ssl_context=dovecot.ssl_context()) == 4

    kinds, raw_reports = _counts(engine)
    assert kinds == {"bounced": 1, "delivered": 1}
    assert raw_reports == 4  # SMTP copy, mailbox copy, the delivered DSN (twice: one row), the auto-reply
    with transaction(engine) as session:
        assert session.get(Contact, contact_id).hard_bounces == 1
        assert session.get(Message, first_id).status == "permanent-failure"
        assert session.get(Message, second_id).status == "delivered"
        auto = session.scalars(select(RawReport).where(RawReport.kind == "auto-reply")).one()
        assert auto.channel == "imap" and auto.error is None
    # The three reports of ours were flagged \Deleted and expunged; the auto-reply stays, seen.
    remaining = list(dovecot.messages().values())
    assert len(remaining) == 1 and b"\\Seen" in remaining[0] and b"\\Deleted" not in remaining[0]
    assert "deleted=3 expunged=3" in dovecot.log()

    assert poll_imap(engine=engine, settings=settings, ssl_context=dovecot.ssl_context()) == 0
    assert _counts(engine) == (kinds, raw_reports)


def test_an_mdn_in_the_mailbox_records_a_read_and_is_removed(engine, settings, dovecot):
    message_id, _, address = _sent_digest(engine, settings)
    dovecot.append(_as_stored_in_mailbox(fixture("outlook_mdn_displayed.eml"), address))
    poll_imap(engine=engine, settings=_imap_settings(settings, dovecot), ssl_context=dovecot.ssl_context())
    with transaction(engine) as session:
        event = session.scalars(select(ReceiptEvent)).one()
        assert (event.kind, event.message_id) == ("read", message_id)
        assert event.evidence["disposition_mode"] == "manual-action/MDN-sent-manually"
    assert dovecot.messages() == {}


def test_the_server_certificate_is_verified_by_default(engine, settings, dovecot):
    """The mailbox password must not go to a server we cannot verify: the test server's self-signed
    certificate is not trusted by the system, so the default poll refuses it."""
    dovecot.append(OUT_OF_OFFICE)
    with pytest.raises(ssl.SSLCertVerificationError):
        poll_imap(engine=engine, settings=_imap_settings(settings, dovecot))
    assert _counts(engine) == ({}, 0)


def test_without_an_imap_host_nothing_is_polled(engine, settings):
    assert poll_imap(engine=engine, settings=settings) == 0


def test_an_oversized_message_is_skipped_after_reading_no_more_than_the_limit(engine, settings, dovecot, monkeypatch):
    import imaplib

    from relay.receipts import receiver

    monkeypatch.setattr(receiver, "MAX_REPORT_BYTES", 2_000)
    downloaded = []
    real_uid = imaplib.IMAP4.uid

    def counting_uid(self, command, *args):
        answer = real_uid(self, command, *args)
        if command == "fetch":
            downloaded.extend(len(part[1]) for part in answer[1] if isinstance(part, tuple))
        return answer

    monkeypatch.setattr(imaplib.IMAP4, "uid", counting_uid)
    dovecot.append(OUT_OF_OFFICE.replace(b"\r\n\r\n", b"\r\n\r\n" + b"x" * 50_000 + b"\r\n", 1))
    assert poll_imap(engine=engine, settings=_imap_settings(settings, dovecot), ssl_context=dovecot.ssl_context()) == 1
    assert downloaded == [2_001]  # the limit and one byte to know it was passed, not 50 kB
    assert _counts(engine) == ({}, 0)  # nothing recorded from it
