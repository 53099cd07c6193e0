"""The Swedish profile end to end in Chromium: a länsstyrelse governor created by name signs in with a
Swedish link, approves an item on a form with one Swedish text (no bokmål, no nynorsk, no Apertium
button), and a contact in Malmö gets the alert in Swedish from the länsstyrelse and acknowledges it."""

from __future__ import annotations

import email
import re
import time
from email.header import decode_header, make_header

import pytest
from sqlalchemy import select

from relay.curation import region_municipalities
from relay.db import transaction
from relay.models import Acknowledgement, Contact, Message, Organisation, Subscription, Tag, utcnow
from relay.pipeline import plan_and_render
from relay.register import load_register
from relay.users import save_user
from tests import factories
from tests.web.browser import axe, page_as, start_server
from tests.web.test_browser import browser  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser
GOVERNOR, CONTACT = "handlaggare@lansstyrelsen.test", "kontakt@malmo.test"


@pytest.fixture
def swedish_server(engine, tmp_path):
    """The Swedish deployment: the se profile, its pages in Swedish."""
    base, settings, stop = start_server(engine, tmp_path, profile="se", default_language="sv")
    yield base, settings
    stop()


def _mail(engine, kind: str, to: str, wait: float = 5.0) -> tuple[email.message.Message, str, str]:
    """The newest queued mail of this kind to `to`: (headers, subject, text part). The sign-in mail is
    queued after the page answers, so it is waited for."""
    deadline = time.monotonic() + wait
    while True:
        with transaction(engine) as s:
            row = s.scalars(select(Message).where(Message.kind == kind, Message.to_address == to)
                            .order_by(Message.id.desc())).first()
            mime = row.mime if row else None
        if mime or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert mime, f"no {kind} mail to {to}"
    message = email.message_from_bytes(mime)
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True)
    return message, str(make_header(decode_header(message["Subject"]))), text.decode("utf-8")


def _header(message, name: str) -> str:
    return " ".join(str(make_header(decode_header(message[name]))).split())


def test_a_swedish_governor_approves_and_a_swedish_contact_acknowledges(swedish_server, browser, engine):  # noqa: F811
    base, settings = swedish_server
    with transaction(engine) as s:
        load_register(session=s, profile="se")
        governor = save_user(session=s, email=GOVERNOR, role="governor", office_org_number="Länsstyrelsen i Skåne län")
        skane = governor.office
        malmo = s.scalars(select(Organisation).where(Organisation.kind == "kommun", Organisation.code == "1280")).one()
        contact = Contact(email=CONTACT, name="Karin", municipality_id=malmo.id, status="active", confirmed_at=utcnow())
        contact.subscriptions = [Subscription(sector="child-welfare", frequency="immediate")]
        s.add(contact)
        item = factories.make_item(s, title="CASE OF ANDERSSON v. SWEDEN", body="ECHR", date=utcnow().date())
        s.add(Tag(item_id=item.id, sector="child-welfare"))
        item_id, region = item.id, len(region_municipalities(session=s, office_id=skane.id))

    # Sign-in: a Swedish page, a Swedish mail with the link.
    gov = page_as(browser, base, settings, engine, None, locale="sv-SE")
    gov.goto(f"{base}/login")
    gov.fill("input[name=email]", GOVERNOR)
    gov.click('button:has-text("Skicka inloggningslänk")')
    signin, subject, text = _mail(engine, "signin", GOVERNOR)
    assert signin["Content-Language"] == "sv" and subject == "Din inloggningslänk till Relay"
    gov.goto(re.search(r"https?://\S+/login/\S+", text).group(0))
    gov.click('button:has-text("Logga in")')

    # The approval form: one Swedish text, no standards, no Apertium button.
    gov.goto(f"{base}/queue")
    gov.click(f'a[href="/queue/{item_id}"]')
    main = gov.locator("main").inner_text().casefold()
    assert gov.locator("#f-title_nn").count() == 0 and "nynorsk" not in main and "bokmål" not in main, main
    assert gov.locator("[formaction*=draft-nn]").count() == 0
    assert gov.input_value("#f-title_nb") == f"Dom från Europadomstolen {utcnow().date().isoformat()}: Andersson mot Sverige"
    assert gov.locator("label[for=f-title_nb]").inner_text() == "Titel"
    assert axe(gov) == []
    gov.fill("#f-summary_nb", "Domstolen fann en kränkning av rätten till familjeliv.")
    gov.fill("#f-meaning_nb", "Socialtjänsten behöver se över rutinerna för umgänge.")
    gov.click('button:has-text("Godkänn")')
    gov.wait_for_url(f"{base}/alerts/*")
    assert gov.locator("h1").inner_text().startswith("Dom från Europadomstolen")
    assert "nynorsk" not in gov.locator("main").inner_text().casefold()
    assert axe(gov) == []
    assert gov.locator(f"text={region}").count() >= 1

    # The mail: Swedish throughout, from the länsstyrelse, on a Swedish list.
    plan_and_render(engine=engine, settings=settings)
    alert, subject, text = _mail(engine, "alert", CONTACT)
    assert alert["Content-Language"] == "sv"
    assert subject.startswith("Nytt ärende: Dom från Europadomstolen") and "CASE OF" not in subject
    assert _header(alert, "From").startswith("Länsstyrelsen i Skåne län <")
    assert _header(alert, "List-Id").startswith("Länsstyrelsen i Skåne län: mänskliga rättigheter för Malmö")
    assert "Hej Karin," in text and "Originaltitel: CASE OF ANDERSSON v. SWEDEN" in text
    assert "Socialtjänsten behöver se över rutinerna för umgänge." in text

    # The contact acknowledges on a Swedish page.
    reader = page_as(browser, base, settings, engine, None, locale="sv-SE")
    reader.goto(re.search(r"https?://\S+/a/\S+", text).group(0))
    assert reader.locator("html").get_attribute("lang") == "sv"
    reader.click('button:has-text("Mottaget")')
    reader.wait_for_selector('[role="status"]')
    assert axe(reader) == []
    with transaction(engine) as s:
        assert s.scalars(select(Acknowledgement.contact_id)).all() == [
            s.scalars(select(Contact.id).where(Contact.email == CONTACT)).one()]
