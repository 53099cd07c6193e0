"""Report tables on a phone (under 600 px): the first column and the three that matter most, the rest
behind "Vis alle kolonner", and no word broken inside a cell; at full width every column shows."""

from __future__ import annotations

import pytest

from tests.web.browser import page_as
from tests.web.conftest import browser, server  # noqa: F401 - the browser fixtures

pytestmark = pytest.mark.browser

VISIBLE_COLUMNS = """key => [...document.querySelectorAll(`table[data-table="${key}"] thead th`)]
  .filter(th => th.getBoundingClientRect().width > 0).map(th => th.textContent.trim())"""
BREAKING = """() => [...document.querySelectorAll('.report-table th, .report-table td')].filter(c => {
  const s = getComputedStyle(c);
  return s.overflowWrap !== 'normal' || !['normal', 'keep-all'].includes(s.wordBreak) || s.hyphens === 'auto';
}).length"""


def test_a_phone_shows_the_main_columns_and_the_rest_on_demand(server, browser, engine, receipts):  # noqa: F811
    base, settings = server
    phone = page_as(browser, base, settings, engine, receipts.users["ministry"], viewport={"width": 390, "height": 800})
    phone.goto(f"{base}/reports/alerts/{receipts.alert_a}")
    few = phone.evaluate(VISIBLE_COLUMNS, "municipalities")
    assert few == ["Kommunenr.", "Kommune", "Trinn", "Kvittert"]
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert phone.evaluate(BREAKING) == 0
    phone.click('label[for="all-municipalities"]')
    every = phone.evaluate(VISIBLE_COLUMNS, "municipalities")
    assert len(every) == 11 and every[:2] == ["Kommunenr.", "Kommune"]
    wide = page_as(browser, base, settings, engine, receipts.users["ministry"], viewport={"width": 1280, "height": 800})
    wide.goto(f"{base}/reports/alerts/{receipts.alert_a}")
    assert len(wide.evaluate(VISIBLE_COLUMNS, "municipalities")) == 11
    assert not wide.is_visible('label[for="all-municipalities"]')
