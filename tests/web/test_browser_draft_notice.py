"""The answer to the nynorsk draft button appears next to it and takes the focus (issue 21, in code of issue 19)."""

from __future__ import annotations

import pytest

from tests.web.browser import axe, page_as
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
    assert axe(gov) == []

    # Approving with the nynorsk fields empty: refused beside the form, focused, what was typed kept.
    for field in ("#f-title_nn", "#f-summary_nn", "#f-meaning_nn"):
        gov.fill(field, "")
    gov.fill("#f-summary_nb", "Mitt eige sammendrag")
    gov.click('button:has-text("Godkjenn")')
    gov.wait_for_selector("#standard-refusal")
    assert gov.evaluate("document.activeElement.id") == "standard-refusal"
    assert "Voss" in gov.inner_text("#standard-refusal") and "Apertium" in gov.inner_text("#standard-refusal")
    assert gov.input_value("#f-summary_nb") == "Mitt eige sammendrag"
    assert axe(gov) == []


def test_the_machine_flag_leads_to_the_texts_and_passes_axe(server, browser, engine, world):  # noqa: F811
    from relay import nynorsk

    if not nynorsk.available():
        pytest.skip("Apertium (apertium-nno-nob) is not installed")
    base, settings = server
    gov = page_as(browser, base, settings, engine, world.users["governor_a"])
    gov.goto(f"{base}/queue/{world.item}")
    for field in ("#f-title_nn", "#f-summary_nn", "#f-meaning_nn"):
        gov.fill(field, "")
    gov.fill("#f-summary_nb", "Domstolen fant brudd på retten til familieliv.")
    gov.click('button:has-text("Godkjenn")')
    gov.wait_for_url(f"{base}/alerts/*")
    assert gov.input_value("#f-summary_nn")  # Apertium's nynorsk, flagged
    assert axe(gov) == []
    gov.goto(f"{base}/alerts")
    gov.click("a[data-machine=nn]")
    gov.wait_for_url("**#review")
    gov.click('button:has-text("Lagre")')
    gov.wait_for_url("**/alerts/*?saved=1")
    assert gov.locator("#machine-notice").count() == 0
