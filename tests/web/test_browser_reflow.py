"""WCAG 1.4.10 Reflow and unbroken words, on every page of every role in Debian's chromium (issue 21).

At 320 CSS px (1280 px at 400 % zoom) no page may scroll sideways: a table wider than the screen
scrolls inside its own region, which 1.4.10 allows for data tables. And no table cell may let the
browser break a word inside ("Ber gen", "202 6- 12"): the computed style of every th and td is read.
The pages come from tests/web/pages.py, the same list the axe test walks.
"""

from __future__ import annotations

import pytest

from tests.web.browser import page_as
from tests.web.pages import page_visits, seed_pages

pytestmark = pytest.mark.browser

# Where the page is wider than the window, the widest offenders; and every cell that may break a word.
MEASURE = """() => {
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap, table'))
    .slice(0, 3).map(e => e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''));
  const breaking = [...document.querySelectorAll('th, td')].filter(c => {
    const s = getComputedStyle(c);
    return s.overflowWrap === 'anywhere' || s.overflowWrap === 'break-word' || s.wordBreak === 'break-all'
      || s.wordBreak === 'break-word' || s.hyphens === 'auto';
  }).slice(0, 3).map(c => c.textContent.trim().slice(0, 30));
  return {scroll: document.documentElement.scrollWidth, window: window.innerWidth, wide, breaking};
}"""


def test_every_page_reflows_at_320_px_and_no_table_cell_breaks_a_word(server, browser, engine, world):
    base, settings = server
    visits = page_visits(settings, world, seed_pages(engine, world))
    pages: dict = {}
    overflowing, breaking = [], []
    for visit in visits:
        if visit.persona not in pages:
            pages[visit.persona] = page_as(browser, base, settings, engine, world.users.get(visit.persona),
                                           viewport={"width": 320, "height": 640})
        page = pages[visit.persona]
        page.goto(base + visit.path)
        page.wait_for_load_state("load")
        seen = page.evaluate(MEASURE)
        if seen["scroll"] > seen["window"]:
            overflowing.append(f"[{visit.persona}] {visit.path}: {seen['scroll']} px {seen['wide']}")
        if seen["breaking"]:
            breaking.append(f"[{visit.persona}] {visit.path}: {seen['breaking']}")
    assert len(visits) > 40
    assert overflowing == [], "\n".join(overflowing)
    assert breaking == [], "\n".join(breaking)


def test_the_header_keeps_one_row_at_1280_px_and_folds_into_a_menu_on_a_phone(server, browser, engine, world):
    base, settings = server
    wide = page_as(browser, base, settings, engine, world.users["governor_a"], viewport={"width": 1280, "height": 800})
    wide.goto(f"{base}/queue")
    header = wide.locator(".site-header").bounding_box()
    assert header["height"] < 100 and not wide.is_visible(".menu-toggle") and wide.is_visible(".nav-list")
    h1 = wide.locator("h1").bounding_box()
    assert h1["y"] >= header["y"] + header["height"] + 16  # the heading does not touch the header line
    phone = page_as(browser, base, settings, engine, world.users["governor_a"], viewport={"width": 390, "height": 800})
    phone.goto(f"{base}/queue")
    assert phone.is_visible(".menu-toggle") and not phone.is_visible(".nav-list")
    assert phone.locator(".site-header").bounding_box()["height"] < 100
    phone.click(".menu-toggle")
    assert phone.get_attribute(".menu-toggle", "aria-expanded") == "true" and phone.is_visible(".nav-list a[href='/contacts']")
    phone.click(".nav-list a[href='/contacts']")
    assert phone.url.endswith("/contacts")
