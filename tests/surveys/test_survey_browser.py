"""In Debian's chromium: the ministry defines a national survey and sends it; Voss (nynorsk) and
Kristiansand (bokmål) answer through the signed links in their mail; the rest get a reminder; the results
and the annual report show it. axe-core finds nothing on the survey pages."""

from __future__ import annotations

import email
import re
from datetime import date, timedelta
from email import policy

import pytest
from sqlalchemy import select

from relay.db import transaction
from relay.models import Message, MessageBody
from tests.web.browser import WCAG_TAGS, axe, page_as, start_server

pytestmark = pytest.mark.browser


@pytest.fixture
def live(engine, world, tmp_path):
    base, settings, stop = start_server(engine, tmp_path)
    yield base, settings
    stop()


def _links(engine, base: str) -> dict[str, str]:
    """Recipient → the answer link in the survey mail it was sent (invitations only)."""
    with transaction(engine) as s:
        rows = s.execute(select(Message.to_address, MessageBody.mime).join(
            MessageBody, MessageBody.message_id == Message.id).where(
            Message.kind == "survey", Message.purpose_key.like("%:invitation"))).all()
    found = {}
    for to, mime in rows:
        text = email.message_from_bytes(mime, policy=policy.default).get_body(("plain",)).get_content()
        found[to] = re.search(re.escape(base) + r"/s/\S+", text).group(0)
    return found


def test_a_national_survey_answered_by_two_municipalities_in_the_browser(live, browser, engine, world):
    base, settings = live
    minister = page_as(browser, base, settings, engine, world.minister)
    minister.goto(base + "/surveys")
    minister.get_by_label("Tittel").fill("Får kommunen nok informasjon? 2026")
    minister.get_by_label("Stenger").fill((date.today() + timedelta(days=30)).isoformat())
    minister.get_by_role("button", name="Opprett").click()
    minister.wait_for_url(re.compile(r".*/surveys/\d+$"))
    violations = axe(minister, WCAG_TAGS)
    minister.get_by_role("button", name="Send til kommunene").click()
    assert "Sendt: 3 e-poster til 4 kommuner." in minister.locator("[role=status]").inner_text()

    links = _links(engine, base)
    for address, name, scale, thanks in (
            ("barnevern@voss.kommune.no", "Kari Nordmann", "Har kommunen fått tilstrekkeleg informasjon om "
             "menneskerettane innan Barnevern?", "Takk! Svaret frå Voss er registrert."),
            ("helse@kristiansand.kommune.no", "Ola Nordmann", "Har kommunen fått tilstrekkelig informasjon om "
             "menneskerettighetene innen Barnevern?", "Takk! Svaret fra Kristiansand er registrert.")):
        page = page_as(browser, base, settings, engine, None)
        page.set_viewport_size({"width": 320, "height": 800})  # answered on a phone: reflows (WCAG 1.4.10)
        page.goto(links[address])
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
        violations += axe(page, WCAG_TAGS)
        page.locator("#f-responder_name").fill(name)
        page.get_by_role("group", name=scale).get_by_label("4", exact=True).check()
        page.locator("#f-missing").fill("Kurs for dei tilsette." if "voss" in address else "Mer om helse.")
        page.get_by_role("button").filter(has_text="Send svaret").click()
        assert page.locator("[role=status]").inner_text() == thanks
        violations += axe(page, WCAG_TAGS)

    minister.get_by_role("button", name="Send påminnelse til dem som ikke har svart").click()
    assert "Påminnelse sendt: 1 e-poster til 1 kommuner." in minister.locator("[role=status]").inner_text()
    assert minister.locator("#survey-response").inner_text() == "2 av 4 kommuner har svart (50 %)."
    assert "Kurs for dei tilsette." in minister.content()
    violations += axe(minister, WCAG_TAGS)

    minister.goto(f"{base}/reports/annual/{date.today().year}")
    chapter = minister.locator("#knowledge").inner_text()
    assert "Får kommunen nok informasjon? 2026: 2 av 4 kommuner svarte (50 %); snitt 4 av 5." in chapter
    pdf = minister.request.get(f"{base}/reports/annual/{date.today().year}.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    minister.goto(base + "/surveys")
    violations += axe(minister, WCAG_TAGS)
    assert violations == [], "\n".join(violations)
