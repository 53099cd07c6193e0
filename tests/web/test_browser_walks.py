"""The three role walks of issue 21, end to end in Debian's chromium on a phone-sized window (390 px):
a county governor's adviser, a municipal contact and a ministry analyst, each page scanned by axe-core
(WCAG 2.1 A/AA) and checked for sideways scrolling on the way."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from relay import links
from relay.db import transaction
from relay.models import Acknowledgement, Contact
from tests.web.browser import WCAG_TAGS, axe, page_as
from tests.web.pages import seed_pages

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _check(page, problems: list[str]) -> None:
    """axe-core's violations and any sideways scrolling on the page as it is now."""
    problems += axe(page, WCAG_TAGS)
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        problems.append(f"{page.url}: {width[0]} px wide in a {width[1]} px window")


def test_a_governor_finds_approves_and_is_told_when_the_mail_leaves(server, browser, engine, world):
    base, settings = server
    problems: list[str] = []
    gov = page_as(browser, base, settings, engine, world.users["governor_a"], viewport=PHONE)
    gov.goto(f"{base}/")
    gov.click(".menu-toggle")
    gov.click(".nav-list a[href='/queue']")
    _check(gov, problems)
    gov.fill("#q-q", "care order")
    gov.click("form.filters button[type=submit]")
    assert "q=care+order" in gov.url  # the search lives in the address
    assert gov.locator(".badge.danger").first.inner_text() == "Mulig hastesak"
    gov.click(f'a[href="/queue/{world.item}"]')
    assert gov.locator(".evidence mark").first.inner_text() == "care order"
    assert not gov.is_visible("code:has-text('cw.care-order')")  # rule ids wait behind the toggle
    gov.click("details.technical summary")
    assert gov.is_visible("code:has-text('cw.care-order')")
    _check(gov, problems)
    gov.fill("#f-summary_nb", "Domstolen fant brudd på retten til familieliv.")
    gov.fill("#f-ack_deadline", "31.12.2099")
    gov.click("form[action$='/approve'] button[type=submit]:not([formaction])")
    banner = gov.locator("#notice")
    assert banner.is_visible() and "Varselet er godkjent" in banner.inner_text()
    assert re.search(r"ukesoppsummeringen som sendes \d\d\.\d\d\.\d{4} kl\. 00:00", banner.inner_text())
    _check(gov, problems)
    assert problems == [], "\n".join(problems)


def test_a_contact_signs_up_confirms_acknowledges_and_unsubscribes(server, browser, engine, world):
    base, settings = server
    seed_pages(engine, world)  # Voss accepts sign-up from voss.kommune.no
    problems: list[str] = []
    page = page_as(browser, base, settings, engine, None, viewport=PHONE)
    page.goto(f"{base}/signup")
    _check(page, problems)
    page.select_option("#municipality", "4621")
    page.fill("#email", "kari.nordmann@voss.kommune.no")
    page.check("#s-child-welfare")
    page.click("form[action='/signup'] button[type=submit]")
    _check(page, problems)
    with transaction(engine) as s:
        contact_id = s.scalars(select(Contact.id).where(Contact.email == "kari.nordmann@voss.kommune.no")).one()
    # the links the mails carry (the mails themselves are tested in tests/mail)
    page.goto(links.confirm_url(settings, contact_id=contact_id))
    page.click("form[action^='/confirm/'] button[type=submit]")
    assert page.locator("h1").inner_text() in ("Abonnementet er bekreftet", "Abonnementet er stadfesta")
    _check(page, problems)
    page.goto(links.ack_url(settings, alert_id=world.alert_a, contact_id=world.contact))
    assert "Trykk «" in page.locator(".alert.info").inner_text()
    _check(page, problems)
    page.click("form[action^='/a/'] button[type=submit]")
    assert page.locator(".alert.success").is_visible()
    with transaction(engine) as s:
        assert s.scalars(select(Acknowledgement).where(Acknowledgement.alert_id == world.alert_a)).first()
    page.goto(links.unsubscribe_url(settings, contact_id=contact_id, sectors=None))
    _check(page, problems)
    page.click("button[name=scope][value=all]")
    _check(page, problems)
    with transaction(engine) as s:
        assert s.get(Contact, contact_id).status == "unsubscribed"
    assert problems == [], "\n".join(problems)


def test_a_ministry_analyst_is_told_to_sign_in_then_reads_and_downloads_the_reports(server, browser, engine,
                                                                                   world):
    base, settings = server
    problems: list[str] = []
    stranger = page_as(browser, base, settings, engine, None, viewport=PHONE)
    stranger.goto(f"{base}/reports")
    assert "/login" in stranger.url and "Du må logge inn" in stranger.inner_text("main")
    _check(stranger, problems)
    analyst = page_as(browser, base, settings, engine, world.users["ministry"], viewport=PHONE)
    analyst.goto(f"{base}/reports")
    _check(analyst, problems)
    analyst.goto(f"{base}/reports/alerts/{world.alert_a}")
    _check(analyst, problems)
    csv_link = analyst.locator("a[href$='.csv']").first.get_attribute("href")
    download = analyst.request.get(base + csv_link)
    assert download.ok and download.body().startswith("\ufeff".encode())
    analyst.goto(f"{base}/reports/annual/2026")
    _check(analyst, problems)
    assert problems == [], "\n".join(problems)
