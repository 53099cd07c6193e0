"""The queue item page with a fetched judgment, in Debian's chromium: zero axe violations, marks visible.

Uses the uvicorn server, the browser and the axe helper of test_browser.py; the judgment's text comes
from the local HUDOC stand-in of test_queue_documents.py, through fetch and re-tagging.
"""

from __future__ import annotations

import pytest

from tests.web.test_browser import _axe, _page_as, browser, server  # noqa: F401 - fixtures used by name
from tests.web.test_queue_documents import fetched_judgment, http, hudoc  # noqa: F401 - fixtures used by name

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_the_item_page_with_a_document_passes_axe(server, browser, engine, world, hudoc, http, lang):  # noqa: F811
    item_id = fetched_judgment(engine, hudoc, http)
    base, settings = server
    gov = _page_as(browser, base, settings, engine, world.users["governor_a"])
    gov.goto(f"{base}/queue/{item_id}?lang={lang}")
    facts = gov.locator('figure[data-field="document.facts"] mark')
    assert facts.first.inner_text() == "child welfare"
    assert gov.locator('blockquote.match mark', has_text="child welfare").count() == 1
    assert gov.locator("#document-title").is_visible()
    assert _axe(gov) == []
    assert gov.shipped_csp_errors == []
