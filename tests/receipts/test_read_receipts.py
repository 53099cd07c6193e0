"""Read receipts only when asked, only from an MDN "displayed"; the pixel only when switched on, never a read."""

from __future__ import annotations

from email.utils import parseaddr

import pytest
from sqlalchemy import select

from relay.db import transaction
from relay.mail.templating import KINDS
from relay.models import ReceiptEvent
from relay.receipts import pixel
from relay.receipts.receiver import handle_report
from tests.mail.conftest import build, parse, parts
from tests.receipts.conftest import make_sent
from tests.receipts.test_dsn import fixture

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _with_receipts(settings, **receipts):
    return settings.model_copy(update={"receipts": settings.receipts.model_copy(update=receipts)})


def _kinds(engine) -> list[str]:
    with transaction(engine) as session:
        return sorted(session.scalars(select(ReceiptEvent.kind)))


@pytest.mark.parametrize("kind", KINDS)
def test_by_default_no_mail_asks_for_a_read_receipt_or_carries_a_pixel(settings, kind):
    message = parse(build(kind, settings))
    assert message["Disposition-Notification-To"] is None
    assert "/o/" not in parts(message)[1]


def test_when_asked_the_read_receipt_goes_to_the_signed_bounce_address_of_that_message(settings):
    settings = _with_receipts(settings, request_mdn=True)
    composed = build("digest", settings)
    # A long address is folded onto the next line (legal RFC 5322 folding); read it as a receiver does.
    assert parseaddr(str(parse(composed)["Disposition-Notification-To"]))[1] == composed.envelope_from
    # Mail to staff never asks.
    assert parse(build("signin", settings))["Disposition-Notification-To"] is None


def _mdn(disposition: str) -> bytes:
    return fixture("outlook_mdn_displayed.eml").replace(b"MDN-sent-manually; displayed",
                                                         f"MDN-sent-manually; {disposition}".encode())


def test_only_an_mdn_displayed_records_a_read(engine, settings):
    sent = make_sent(engine, settings)
    from relay.mail.envelope import bounce_address

    address = bounce_address(settings, sent.message_key)
    for disposition in ("deleted", "dispatched", "processed"):
        result = handle_report(engine=engine, settings=settings, raw=_mdn(disposition), channel="smtp",
                               envelope_to=[address])
        assert result.message_id == sent.message_id and result.events == []
    handle_report(engine=engine, settings=settings, raw=fixture("exchange_delivered.eml", bounce=address),
                  channel="smtp", envelope_to=[address])
    assert _kinds(engine) == ["delivered"]  # delivery to the mailbox is not a read
    result = handle_report(engine=engine, settings=settings, raw=_mdn("displayed"), channel="smtp",
                           envelope_to=[address])
    assert result.events == ["read"]
    with transaction(engine) as session:
        read = session.scalars(select(ReceiptEvent).where(ReceiptEvent.kind == "read")).one()
        assert read.message_id == sent.message_id and read.raw_report_id is not None


def test_auto_replies_and_prose_bounces_record_nothing_and_are_kept_for_review(engine, settings):
    sent = make_sent(engine, settings)
    from relay.mail.envelope import bounce_address

    address = bounce_address(settings, sent.message_key)
    ooo = (b"From: kari@voss.kommune.no\r\nTo: " + address.encode() + b"\r\nSubject: Automatisk svar: Varsel\r\n"
           b"Auto-Submitted: auto-replied\r\n\r\nEg er tilbake 2.1.25. Viktige saker: 550 55 555.\r\n")
    prose = (b"From: MAILER-DAEMON@old.kommune.test\r\nTo: " + address.encode() + b"\r\nSubject: Returned mail\r\n\r\n"
             b"Delivery to kari@voss.kommune.no failed: 550 5.1.1 no such user\r\n")
    assert handle_report(engine=engine, settings=settings, raw=ooo, channel="smtp", envelope_to=[address]).kind \
        == "auto-reply"
    result = handle_report(engine=engine, settings=settings, raw=prose, channel="smtp", envelope_to=[address])
    assert result.kind == "unparsed" and result.events == [] and "review" in result.error
    assert _kinds(engine) == []


def test_the_pixel_is_in_the_mail_only_when_switched_on(settings):
    settings = _with_receipts(settings, open_pixel=True)
    html = parts(parse(build("digest", settings)))[1]
    assert html.count("/o/") == 1 and html.index("/o/") < html.lower().rindex("</body>")
    assert "/o/" not in parts(parse(build("signin", settings)))[1]


def test_a_pixel_load_is_image_loaded_never_read(client, engine, settings, sent, app):
    app.state.settings = _with_receipts(settings, open_pixel=True)
    url = pixel.pixel_url(settings, sent.message_key)
    for _ in range(3):
        response = client.get(url, headers={"user-agent": FIREFOX})
        assert response.status_code == 200 and response.headers["content-type"] == "image/gif"
        assert response.content == pixel.GIF and "no-store" in response.headers["cache-control"]
    client.get(url, headers={"user-agent": "Mozilla/5.0 (Apple MPP proxy)"})
    assert _kinds(engine) == ["image-loaded", "image-loaded"]  # one per fetching agent
    assert client.get(url.replace("/o/", "/o/x"), headers={"user-agent": FIREFOX}).status_code == 404


def test_with_the_pixel_off_a_load_of_an_old_mail_records_nothing(client, engine, settings, sent):
    response = client.get(pixel.pixel_url(settings, sent.message_key), headers={"user-agent": FIREFOX})
    assert response.status_code == 200
    assert _kinds(engine) == []
