"""/a/<token>: works without signing in, cannot be forged or enumerated, and an expired link says whom to ask."""

from __future__ import annotations

import time

from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select

from relay import links
from relay.db import transaction
from relay.models import Acknowledgement, ReceiptEvent
from relay.tokens import sign
from tests.receipts.conftest import csrf_from


def _acks(engine) -> tuple[int, int]:
    with transaction(engine) as session:
        return (session.scalar(select(func.count()).select_from(Acknowledgement)),
                session.scalar(select(func.count()).select_from(ReceiptEvent)
                               .where(ReceiptEvent.kind == "acknowledged")))


def test_the_link_works_without_signing_in_and_only_the_post_records(client, engine, settings, sent):
    url = links.ack_url(settings, alert_id=sent.alert_id, contact_id=sent.contact_id)
    page = client.get(url)
    assert page.status_code == 200 and "Voss herad" in page.text
    assert "Motteke" in page.text and '<html lang="nn"' in page.text  # Voss is a nynorsk municipality
    assert _acks(engine) == (0, 0)  # a scanner's GET acknowledges nothing
    done = client.post(url, data={"csrf_token": csrf_from(page.text), "follow_up": "noted"})
    assert done.status_code == 200
    assert _acks(engine) == (1, 1)
    with transaction(engine) as session:
        ack = session.scalars(select(Acknowledgement)).one()
        assert (ack.alert_id, ack.contact_id, ack.follow_up) == (sent.alert_id, sent.contact_id, "noted")
        event = session.scalars(select(ReceiptEvent)).one()
        assert event.evidence["token_sha256"] and event.evidence["user_agent"] is not None


def test_a_post_without_the_form_token_is_refused(client, engine, settings, sent):
    url = links.ack_url(settings, alert_id=sent.alert_id, contact_id=sent.contact_id)
    assert client.post(url, data={}).status_code == 403
    assert _acks(engine) == (0, 0)


def test_links_cannot_be_forged_or_enumerated(client, engine, settings, sent):
    real = links.ack_url(settings, alert_id=sent.alert_id, contact_id=sent.contact_id).rsplit("/", 1)[1]
    page = client.get(f"/a/{real}")
    csrf = csrf_from(page.text)
    neighbours = [sign(["a-guessed-key"], links.ACK, {"a": sent.alert_id, "c": sent.contact_id}),
                  sign(settings.signing_keys(), links.CLICK, {"a": sent.alert_id, "c": sent.contact_id}),  # other purpose
                  real.replace(real[5], "A" if real[5] != "A" else "B", 1), str(sent.alert_id), "1-1"]
    for token in neighbours:
        assert client.get(f"/a/{token}").status_code == 404
        assert client.post(f"/a/{token}", data={"csrf_token": csrf}).status_code == 404
    assert _acks(engine) == (0, 0)


def test_an_expired_link_is_gone_and_names_the_office_and_the_person_to_contact(client, engine, settings, sent,
                                                                               monkeypatch):
    long_ago = int(time.time()) - (settings.ack_link_days + 1) * 86400
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: long_ago)
        url = links.ack_url(settings, alert_id=sent.alert_id, contact_id=sent.contact_id)
    page = client.get(url)
    assert page.status_code == 410
    assert "Statsforvaltaren i Vestland" in page.text
    assert "ola@statsforvalteren.no" in page.text and "Ola Vestland" in page.text
    assert "sfvlpost@statsforvalteren.no" in page.text
    assert client.post(url, data={"csrf_token": csrf_from(client.get(links.ack_url(
        settings, alert_id=sent.alert_id, contact_id=sent.contact_id)).text)}).status_code == 410
    assert _acks(engine) == (0, 0)


def test_an_expired_forgery_reveals_nothing(client, engine, settings, sent, monkeypatch):
    long_ago = int(time.time()) - (settings.ack_link_days + 1) * 86400
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: long_ago)
        forged = sign(["a-guessed-key"], links.ACK, {"a": sent.alert_id, "c": sent.contact_id})
    page = client.get(f"/a/{forged}")
    assert page.status_code == 404 and "Statsforvaltaren i Vestland" not in page.text
