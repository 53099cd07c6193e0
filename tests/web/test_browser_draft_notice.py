"""The answer to the nynorsk draft button appears next to it and takes the focus (issue 21, in code of issue 19)."""

from __future__ import annotations

import pytest

from tests.web.browser import page_as
from tests.web.test_browser import browser, server  # noqa: F401 - the fixtures

pytestmark = pytest.mark.browser


def test_without_apertium_the_notice_is_focused_beside_the_button(server, browser, engine, world, monkeypatch):  # noqa: F811
    base, settings = server
    monkeypatch.setenv("PATH", "/nonexistent")  # the server runs in this process: Apertium is gone for it too
    gov = page_as(browser, base, settings, engine, world.users["governor_a"])
    gov.goto(f"{base}/queue/{world.item}")
    gov.fill("#f-summary_nn", "Mitt eige samandrag")
    gov.click("text=Lag nynorskutkast")
    gov.wait_for_selector("#nn-notice")
    assert gov.evaluate("document.activeElement.id") == "nn-notice"
    assert gov.get_attribute("#nn-notice", "role") == "alert"
    button = gov.locator("[formaction*=draft-nn]").bounding_box()
    notice = gov.locator("#nn-notice").bounding_box()
    assert 0 <= notice["y"] - (button["y"] + button["height"]) < 80  # right under the button, not below the fold
    assert gov.input_value("#f-summary_nn") == "Mitt eige samandrag"
