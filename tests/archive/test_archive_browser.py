"""The archive in Debian's chromium: axe-core finds nothing on its pages (nb and nn), they reflow at
320 CSS pixels without sideways scrolling (WCAG 1.4.10), and a search is made from the keyboard."""

from __future__ import annotations

import pytest

from tests.web.browser import WCAG_TAGS, axe, page_as, start_server

pytestmark = pytest.mark.browser


@pytest.fixture
def live(engine, archive, tmp_path):
    base, settings, stop = start_server(engine, tmp_path)
    yield base, settings
    stop()


def test_the_archive_pages_pass_axe_and_reflow(live, browser, engine, archive):
    base, settings = live
    anonymous = page_as(browser, base, settings, engine, None)
    governor = page_as(browser, base, settings, engine, archive.governor_a)
    visits = [(anonymous, "/archive?lang=nb"), (anonymous, "/archive?q=samv%C3%A6r&lang=nn"),
              (anonymous, "/archive?q=%28%29&lang=nb"), (anonymous, f"/archive/{archive.care}?lang=nn"),
              (anonymous, f"/archive/{archive.school}?lang=nb"), (anonymous, "/archive/feeds"),
              (anonymous, "/?lang=nb"), (governor, "/archive/settings?lang=nn"),
              (governor, "/municipalities/4621/overview?lang=nb"), (governor, "/municipalities/4621/overview/print")]
    violations, wide = [], []
    for page, path in visits:
        for width in (1280, 320):
            page.set_viewport_size({"width": width, "height": 800})
            assert page.goto(base + path).status == 200, path
            # The front page is 321 px wide at 320 before this change too (its header; issue 21's): left out.
            if width == 320 and path != "/?lang=nb" and page.evaluate("() => document.documentElement.scrollWidth") > 320:
                wide.append(path)
        violations += axe(page, WCAG_TAGS)
    assert violations == [], "\n".join(violations)
    assert wide == []


def test_a_reader_searches_in_nynorsk_from_the_keyboard(live, browser, engine, archive):
    base, settings = live
    page = page_as(browser, base, settings, engine, None)
    page.goto(base + "/archive?lang=nn")
    page.get_by_label("Søkjeord").fill("barnevernstenesta")
    page.keyboard.press("Enter")
    page.wait_for_url("**/archive?q=barnevernstenesta*")
    assert page.locator("#archive-count").inner_text() == "1 saker"
    page.get_by_role("link", name="Samvær etter omsorgsovertaking").click()
    assert page.locator("h1").inner_text() == "Samvær etter omsorgsovertaking"
