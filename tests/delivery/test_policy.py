"""DELIVERY-AND-RECEIPTS §2.1, row by row."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import aiosmtplib
import pytest

from relay.delivery.policy import (
    Verdict,
    backoff,
    classify_error,
    classify_reply,
    next_attempt,
    queue_id_from,
    readable,
)
from relay.models import utcnow


@pytest.mark.parametrize(("code", "text", "stage", "action", "evidence"), [
    (250, "2.0.0 Ok: queued as 4XyZ", "data", "sent", ""),
    (421, "4.7.0 closing", "rcpt", "retry", "backpressure"),
    (451, "4.7.1 greylisted", "rcpt", "retry", "backpressure"),
    (452, "4.5.3 too many", "data", "retry", "backpressure"),
    (552, "5.5.3 too many recipients", "rcpt", "retry", "backpressure"),
    (450, "4.2.0 busy", "rcpt", "retry", "transient"),
    (550, "5.1.1 no such user", "rcpt", "permanent", "address"),
    (551, "5.1.6 moved", "rcpt", "permanent", "address"),
    (553, "5.1.3 bad address", "rcpt", "permanent", "address"),
    (554, "5.6.0 rejected", "data", "permanent", "content"),
    (552, "5.3.4 too big", "data", "permanent", "content"),
    (550, "5.7.1 SPF fail", "rcpt", "permanent", "policy"),
    (554, "5.7.26 DMARC", "data", "permanent", "policy"),
    (553, "5.1.8 sender rejected", "mail", "technical", "config"),
])
def test_it_classifies_replies(code, text, stage, action, evidence):
    verdict = classify_reply(code, text, stage)
    assert (verdict.action, verdict.evidence) == (action, evidence)
    assert verdict.reply == f"{code} {text}"


def test_it_classifies_errors():
    assert classify_error(aiosmtplib.SMTPAuthenticationError(535, "5.7.8 bad"), "auth").stop_batch
    timeout = classify_error(aiosmtplib.SMTPReadTimeoutError("timed out"), "data")
    assert timeout.action == "retry" and timeout.uncertain
    refused = classify_error(ConnectionRefusedError(111, "refused"), "connect")
    assert refused.action == "retry" and not refused.uncertain
    assert classify_error(aiosmtplib.SMTPRecipientRefused(550, "5.1.1 x", "a@b"), "rcpt").action == "permanent"
    assert classify_error(aiosmtplib.SMTPException("SMTP AUTH extension not supported"), "auth").action == "technical"
    assert classify_error(ValueError("bug"), "mail").ours


def test_it_reads_the_queue_id():
    assert queue_id_from("250 2.0.0 Ok: queued as 4Xyz12") == "4Xyz12"
    assert queue_id_from("250 2.6.0 <a@b> [InternalId=1234, Hostname=X] Queued mail") == "1234"
    assert queue_id_from("250 OK id=1q2w3e") == "250 OK id=1q2w3e"


def test_it_backs_off_from_a_minute_to_an_hour():
    rng = random.Random(7)
    delays = [backoff(n, rng).total_seconds() for n in range(1, 12)]
    assert 60 <= delays[0] <= 69 and delays[1] > delays[0] and max(delays) == 3600


def test_it_puts_the_last_try_on_the_deadline():
    now = utcnow()
    assert next_attempt(now=now, attempts=9, deadline=now + timedelta(seconds=5)) == now + timedelta(seconds=5)
    assert next_attempt(now=now, attempts=1, deadline=now) is None


def test_a_reply_is_made_storable_and_still_says_what_the_server_sent():
    latin1 = b"550 5.1.1 Ukjent mottakar i Troms\xf8\x00".decode("utf-8", "surrogateescape")  # as the wire decodes
    verdict = Verdict("permanent", latin1, "address", queue_id="Q\udcff", host="mx\x07.tromso.test")
    assert verdict.reply == "550 5.1.1 Ukjent mottakar i Troms\\xf8\\x00"
    assert (verdict.queue_id, verdict.host) == ("Q\\xff", "mx\\x07.tromso.test")
    assert readable("\ud800 on its own") == "\\ud800 on its own"  # a surrogate that was never a byte
    ordinary = "250-Mottatt i Tromsø\n250 2.0.0 Ok\tqueued as ABC"
    assert readable(ordinary) is ordinary
    assert replace(verdict, reply=verdict.reply).reply == verdict.reply  # escaping twice changes nothing
