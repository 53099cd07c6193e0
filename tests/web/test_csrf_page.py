"""Error pages that say what happened: a form refused for its CSRF token explains that the form had
expired or came from another page (not "no access"), and an id in the path that is not a number is a
page that does not exist (404), while the JSON API keeps its validation answer."""

from __future__ import annotations

import html
import re

import pytest

from relay.i18n import translator
from tests.web.conftest import csrf_of


def _back_link(page: str) -> str:
    return html.unescape(re.findall(r'<main.*?<a href="([^"]*)"', page, re.S)[0])


def _edit_with_forged_token(client, world, **headers):
    return client.post(f"/alerts/{world.alert_a}/edit", data={"csrf_token": "forged", "title_nb": "x"},
                       headers=headers, follow_redirects=False)


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_a_form_with_an_expired_or_foreign_token_gets_its_own_page(client_for, world, lang):
    gov = client_for("governor_a")
    gov.get(f"/alerts/{world.alert_a}?lang={lang}")  # the browser's CSRF and language cookies
    t = translator(lang)
    answer = _edit_with_forged_token(gov, world, referer=f"https://relay.test/alerts/{world.alert_a}?tab=2&x=1")
    assert answer.status_code == 403
    assert t("web.error.csrf_title") in answer.text and t("web.error.csrf_body") in answer.text
    assert t("web.error.forbidden") not in answer.text
    assert _back_link(answer.text) == f"/alerts/{world.alert_a}?tab=2&x=1"


def test_the_english_text_says_what_to_do():
    assert translator("en")("web.error.csrf_body") == ("The form had expired or came from another page. "
                                                       "Go back, reload the page and send it again.")


@pytest.mark.parametrize("referer", [None, "https://evil.example/alerts/1", "javascript:alert(1)",
                                     "https://relay.test//evil.example/x", "https://relay.test/a\\b"])
def test_the_way_back_leads_home_unless_the_form_came_from_this_site(client_for, world, referer):
    gov = client_for("governor_a")
    csrf_of(gov, "/queue")
    answer = _edit_with_forged_token(gov, world, **({"referer": referer} if referer else {}))
    assert answer.status_code == 403 and _back_link(answer.text) == "/"


def test_a_browser_without_the_csrf_cookie_gets_the_same_page(client_for):
    anon = client_for("anonymous")
    answer = anon.post("/login", data={"csrf_token": "x", "email": "a@b.no"},
                       headers={"referer": "https://relay.test/login"})
    assert answer.status_code == 403
    assert translator("nb")("web.error.csrf_body") in answer.text and _back_link(answer.text) == "/login"


@pytest.mark.parametrize("path", ["/queue/abc", "/alerts/not-a-number", "/reports/alerts/1.5"])
def test_an_id_in_the_path_that_is_not_a_number_is_a_missing_page(client_for, path):
    answer = client_for("governor_a").get(path)
    assert answer.status_code == 404
    assert translator("nb")("web.error.not_found") in answer.text


def test_the_api_keeps_its_validation_answer_for_a_path_that_does_not_parse(client_for):
    answer = client_for("governor_a").get("/api/v1/items/abc")
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["path", "item_id"]


@pytest.mark.browser
def test_the_csrf_page_passes_axe_and_its_link_leads_back_to_the_form(server, browser, engine, world):
    from tests.web.browser import WCAG_TAGS, axe, page_as

    base, settings = server
    page = page_as(browser, base, settings, engine, None)
    page.goto(f"{base}/login?lang=en")
    page.fill("#email", "someone@kommune.no")
    page.evaluate("() => { document.querySelector('form[action=\"/login\"] [name=csrf_token]').value = 'old'; }")
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    assert "The form had expired" in page.content()
    assert axe(page, WCAG_TAGS) == []
    with page.expect_navigation():
        page.click("main a")
    assert page.url.startswith(f"{base}/login")
