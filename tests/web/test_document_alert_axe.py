"""An alert on a document, with the recommendation paragraphs it carries, in Debian's chromium: the alert
page and the alert's archive page list those paragraphs and pass axe (WCAG 2.1 AA)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from relay.curation import AlertDraft, approve_item
from relay.db import transaction
from relay.documents.chosen import choose_paragraphs
from relay.models import Item, User
from tests.intake.conftest import add_source, feed
from tests.web.browser import axe, page_as
from tests.web.conftest import browser, server  # noqa: F401 - fixtures used by name

pytestmark = pytest.mark.browser

DOC = "un:CRC/C/NOR/CO/7"
FOSTER = "uhri:5a1b2c3d-0001-4e5f-8a9b-000000000101"


@pytest.mark.parametrize("lang", ["nb", "nn", "sv"])
def test_the_alert_on_a_document_shows_its_paragraphs_and_passes_axe(server, browser, engine, world, lang):  # noqa: F811
    add_source(engine, "uhri", "uhri", countries=["Norway"])
    feed(engine, "uhri", "uhri/norway_quirks.json")
    with transaction(engine) as session:
        ids = {item.key: item.id for item in session.scalars(select(Item))}
        alert = approve_item(session=session, item_id=ids[DOC], office_id=world.office_a, actor=session.get(
            User, world.users["governor_a"]), draft=AlertDraft(
            title_nb="Barnekomiteens merknader til Norge", title_nn="Barnekomiteen sine merknader til Noreg",
            sectors=["child-welfare"]))
        choose_paragraphs(session, alert, [str(ids[FOSTER])])
        alert_id = alert.id
    base, settings = server
    gov = page_as(browser, base, settings, engine, world.users["governor_a"])
    for path in (f"/alerts/{alert_id}", f"/archive/{alert_id}"):
        gov.goto(f"{base}{path}?lang={lang}")
        chosen = gov.locator("#chosen-title + ol li")
        assert chosen.count() == 1 and "foster care" in chosen.first.inner_text(), path
        assert axe(gov) == [], path
    assert gov.shipped_csp_errors == []
