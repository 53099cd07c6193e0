"""Real browser: Debian's chromium through Playwright against uvicorn on a free port.

A governor signs in (session cookie), opens the queue, drafts nynorsk, approves an item and edits the
nynorsk text; an axe-core scan of every page finds zero violations; the CSP blocks nothing we ship.
"""

from __future__ import annotations

import pytest

from relay.db import transaction
from tests.web import conftest
from tests.web.browser import axe as _axe
from tests.web.browser import page_as

# Other browser tests import these names from here; the fixtures themselves live in conftest.py.
browser, server = conftest.browser, conftest.server

pytestmark = pytest.mark.browser


def _page_as(browser, base, settings, engine, user_id):
    return page_as(browser, base, settings, engine, user_id)


def test_a_governor_approves_and_edits_and_every_page_passes_axe(server, browser, engine, world):
    from relay import links, nynorsk

    base, settings = server
    violations: list[str] = []
    gov = _page_as(browser, base, settings, engine, world.users["governor_a"])

    gov.goto(f"{base}/queue")
    violations += _axe(gov)
    gov.click(f'a[href="/queue/{world.item}"]')
    assert gov.locator("mark").first.inner_text() == "care order"
    violations += _axe(gov)

    gov.fill("#f-summary_nb", "Domstolen fant brudd på retten til familieliv.")
    gov.fill("#f-meaning_nb", "Kommunen må vurdere samvær etter omsorgsovertakelse.")
    gov.click("text=Lag nynorskutkast")
    assert gov.input_value("#f-summary_nb") == "Domstolen fant brudd på retten til familieliv."
    if nynorsk.available():
        assert gov.input_value("#f-meaning_nn")
    else:
        gov.fill("#f-meaning_nn", "Kommunen må vurdere samvær etter omsorgsovertaking.")
    violations += _axe(gov)
    gov.click('button:has-text("Godkjenn")')
    gov.wait_for_url(f"{base}/alerts/*")
    violations += _axe(gov)

    gov.fill("#f-meaning_nn", "Kommunen må vurdere samvær på nytt.")
    gov.click('button:has-text("Lagre")')
    gov.wait_for_url("**/alerts/*?saved=1")
    assert gov.input_value("#f-meaning_nn") == "Kommunen må vurdere samvær på nytt."
    assert gov.locator('[role="status"]').count() == 1

    gov.goto(f"{base}/reports")
    violations += _axe(gov)

    admin = _page_as(browser, base, settings, engine, world.users["admin"])
    for path in ("/admin/sources", "/admin/audit"):
        admin.goto(base + path)
        violations += _axe(admin)
    assert admin.locator("code", has_text="alert.edit").count() == 1

    anonymous = _page_as(browser, base, settings, engine, None)
    with transaction(engine) as s:
        from relay.models import Contact

        contact_id = s.query(Contact.id).first()[0]
    for url in (f"{base}/", f"{base}/offices", f"{base}/login",
                links.ack_url(settings, alert_id=world.alert_a, contact_id=contact_id)):
        anonymous.goto(url)
        violations += _axe(anonymous)

    assert violations == []
    assert gov.shipped_csp_errors + admin.shipped_csp_errors + anonymous.shipped_csp_errors == []


def test_form_errors_are_announced_in_the_browser(server, browser, engine, world):
    base, settings = server
    gov = _page_as(browser, base, settings, engine, world.users["governor_a"])
    gov.goto(f"{base}/queue/{world.item}")
    gov.fill("#f-title_nb", "")
    gov.fill("#f-title_nn", "")  # a title in one standard is enough: approval translates it
    gov.fill("#f-summary_nb", "Det jeg skrev")
    gov.click('button:has-text("Godkjenn")')
    assert gov.locator('[role="alert"]').count() >= 1
    assert gov.get_attribute("#f-title_nb", "aria-invalid") == "true"
    assert gov.input_value("#f-summary_nb") == "Det jeg skrev"
    assert _axe(gov) == []
