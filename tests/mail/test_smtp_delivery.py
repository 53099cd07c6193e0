"""A built message survives a real SMTP hand-over (aiosmtpd) byte for byte where it matters."""

from __future__ import annotations

import aiosmtplib

from relay.mail import envelope
from tests.mail.conftest import build, parts
from tests.smtpsink import SmtpSink


async def test_a_digest_goes_through_a_real_smtp_server(settings):
    composed = build("digest", settings, "nn")

    with SmtpSink() as sink:
        errors, reply = await aiosmtplib.send(
            composed.message, sender=composed.envelope_from, recipients=["kari.nordmann@voss.kommune.no"],
            hostname="127.0.0.1", port=sink.port, timeout=10,
        )

    assert errors == {} and reply.startswith("2.0.0 Ok: queued")
    [received] = sink.received
    assert received.mail_from == composed.envelope_from
    assert envelope.read_bounce_address(settings, received.mail_from) == "digest:42:7"
    assert received.rcpt_tos == ["kari.nordmann@voss.kommune.no"]
    message = received.message
    assert message["Message-ID"] == composed.message_id
    assert message["Subject"] == composed.subject
    assert str(message["List-Unsubscribe"]).startswith("<https://relay.test/u/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(message)
    assert "Motteke" in text and "Motteke" in html and "Samvær etter omsorgsovertaking" in text
