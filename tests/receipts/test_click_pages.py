"""/c/<token> end to end: bots are filtered and kept with the reason, people are recorded once, and the
redirect goes exactly where the signed link said — and only to a web address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from relay import links
from relay.db import transaction
from relay.models import ReceiptEvent
from relay.tokens import sign
from tests.receipts.conftest import SOURCE, make_sent

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFE_LINKS = "Mozilla/5.0 (compatible; Microsoft SafeLinks Preview)"


def _clicks(engine) -> list[tuple[str | None, str]]:
    with transaction(engine) as session:
        return [(e.filtered, e.evidence["method"]) for e in
                session.scalars(select(ReceiptEvent).where(ReceiptEvent.kind == "clicked").order_by(ReceiptEvent.id))]


def test_a_person_clicking_twice_is_one_click_and_lands_exactly_on_the_source(client, engine, settings, sent):
    url = links.click_url(settings, assignment_id=sent.assignment_id, url=SOURCE)
    for _ in range(2):
        response = client.get(url, headers={"user-agent": FIREFOX})
        assert response.status_code == 302
        assert response.headers["location"] == SOURCE
    assert _clicks(engine) == [(None, "GET")]
    with transaction(engine) as session:
        event = session.scalars(select(ReceiptEvent)).one()
        assert (event.alert_id, event.contact_id, event.message_id) == (sent.alert_id, sent.contact_id,
                                                                       sent.message_id)
        assert event.evidence["url"] == SOURCE and event.evidence["user_agent"] == FIREFOX


def test_a_head_request_and_a_scanner_are_kept_but_filtered(client, engine, settings, sent):
    url = links.click_url(settings, assignment_id=sent.assignment_id, url=SOURCE)
    assert client.head(url, headers={"user-agent": FIREFOX}).status_code == 302
    assert client.get(url, headers={"user-agent": SAFE_LINKS}).headers["location"] == SOURCE
    assert client.get(url, headers={"user-agent": ""}).status_code == 302
    assert _clicks(engine) == [("head-request", "HEAD"), ("scanner-agent", "GET"), ("no-user-agent", "GET")]


def test_a_click_seconds_after_sending_is_filtered_as_too_soon(client, engine, settings):
    sent = make_sent(engine, settings, sent_ago=timedelta(seconds=2))
    url = links.click_url(settings, assignment_id=sent.assignment_id, url=SOURCE)
    assert client.get(url, headers={"user-agent": FIREFOX}).status_code == 302
    assert _clicks(engine) == [("too-soon-after-delivery", "GET")]


def test_a_forged_or_damaged_token_is_not_found(client, engine, settings, sent):
    url = links.click_url(settings, assignment_id=sent.assignment_id, url=SOURCE)
    token = url.rsplit("/", 1)[1]
    other_key = sign(["somebody-elses-key"], links.CLICK, {"s": sent.assignment_id, "u": "https://evil.test/"})
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), other_key, "not-a-token"):
        assert client.get(f"/c/{bad}", headers={"user-agent": FIREFOX}).status_code == 404
    assert _clicks(engine) == []


@pytest.mark.parametrize("target", ["javascript:alert(1)", "data:text/html,<script>x</script>", "ftp://x.test/",
                                    "//evil.test/", "/admin"])
def test_only_web_addresses_are_followed_even_when_signed(client, engine, settings, sent, target):
    url = links.click_url(settings, assignment_id=sent.assignment_id, url=target)
    response = client.get(url, headers={"user-agent": FIREFOX})
    assert response.status_code == 404 and "location" not in response.headers
    assert _clicks(engine) == []
