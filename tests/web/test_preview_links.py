"""A governor's digest preview shows the mail, not the contact's power: no link in it acknowledges,
unsubscribes, changes preferences or counts a click for the municipality."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from relay.db import transaction
from relay.models import Acknowledgement, Contact, Message, ReceiptEvent, Subscription
from tests.web.conftest import csrf_of

BASE = "https://relay.test"
URL = re.compile(r"https?://[^\s\"'<>]+")
# The routes that act on a signed token (relay.links, relay.receipts.pixel).
SIGNED = re.compile(r"^/(a|c|u|p|o|confirm|login)/")


def _state(engine) -> tuple:
    with transaction(engine) as s:
        return (s.scalar(select(func.count()).select_from(Acknowledgement)),
                s.scalar(select(func.count()).select_from(ReceiptEvent)),
                s.scalar(select(func.count()).select_from(Message)),
                sorted((x.sector, x.frequency, x.active) for x in s.scalars(select(Subscription))),
                sorted((c.status, c.language) for c in s.scalars(select(Contact))))


def _preview_urls(client, contact_id: int) -> tuple[str, set[str]]:
    page = client.get(f"/digests/preview/{contact_id}")
    mail = client.get(f"/digests/preview/{contact_id}/html")
    assert page.status_code == 200 and mail.status_code == 200
    both = html.unescape(page.text) + html.unescape(mail.text)
    return both, {u for u in URL.findall(both) if u.startswith(BASE)}


def test_no_link_in_the_preview_acts_for_the_contact(client_for, engine, world, settings):
    settings.receipts.open_pixel = True  # the app's own settings object: its image would be a link too
    governor = client_for("governor_a")
    before = _state(engine)
    text, urls = _preview_urls(governor, world.contact)
    token = csrf_of(governor, "/contacts")
    anonymous = client_for("anonymous")
    paths = sorted({url.removeprefix(BASE).split("#")[0] for url in urls})
    for path in paths:
        for client in (governor, anonymous):
            client.get(path)
            client.post(path, data={"csrf_token": token, "follow_up": "will-follow-up", "comment": "for them",
                                    "List-Unsubscribe": "One-Click", "scope": "all", "freq-child-welfare": ""})
    assert _state(engine) == before  # no acknowledgement, click, unsubscription or message recorded
    assert [path for path in paths if SIGNED.match(path)] == []  # not even a token such a route would read
    assert "#preview-ack" in text and "#preview-unsubscribe" in text  # the links are shown, as placeholders


def test_the_preview_is_still_the_mail_that_will_be_sent(client_for, world, settings):
    settings.receipts.open_pixel = True
    text, _ = _preview_urls(client_for("governor_a"), world.contact)
    assert "Varsel om CASE OF" in text  # the alert, in the contact's written standard
    assert "/o/" not in text  # no open-tracking image that could name a real message later


def test_the_preview_page_says_its_links_are_placeholders(client_for, world):
    page = client_for("governor_a").get(f"/digests/preview/{world.contact}")
    assert page.status_code == 200 and "bare plassholdere her" in page.text
