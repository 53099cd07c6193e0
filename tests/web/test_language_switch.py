"""The language switch offers the profile's languages: bokmål, nynorsk and English in Norway, Swedish
and English in the Swedish profile, whose Swedish choice is remembered like any other."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from relay.web.app import create_app
from relay.web.templating import LANGUAGE_COOKIE


def _offered(page: str) -> list[str]:
    switch = re.search(r'<ul class="lang-list".*?</ul>', page, re.S).group(0)
    return re.findall(r'hreflang="([a-z]+)"', switch)


def _html_lang(page: str) -> str:
    return re.search(r'<html lang="([a-z]+)"', page).group(1)


def test_the_swedish_profile_offers_and_remembers_swedish(engine, settings):
    swedish = settings.model_copy(update={"profile": "se", "default_language": "en"})
    with TestClient(create_app(swedish, engine), base_url="https://relay.test") as client:
        first = client.get("/login")
        assert _offered(first.text) == ["sv", "en"] and _html_lang(first.text) == "en"
        chosen = client.get("/login?lang=sv")
        assert _html_lang(chosen.text) == "sv" and chosen.cookies.get(LANGUAGE_COOKIE) == "sv"
        client.cookies.set(LANGUAGE_COOKIE, "sv")
        assert _html_lang(client.get("/login").text) == "sv"  # the cookie alone keeps it
        assert _html_lang(client.get("/login?lang=nb").text) == "sv"  # no bokmål pages in Sweden


def test_the_norwegian_profile_offers_bokmal_nynorsk_and_english_only(engine, settings):
    with TestClient(create_app(settings, engine), base_url="https://relay.test") as client:
        page = client.get("/login")
        assert _offered(page.text) == ["nb", "nn", "en"]
        asked = client.get("/login?lang=sv")
        assert _html_lang(asked.text) == settings.default_language and LANGUAGE_COOKIE not in asked.cookies
        client.cookies.set(LANGUAGE_COOKIE, "nn")
        assert _html_lang(client.get("/login").text) == "nn"


def test_pages_opened_from_mail_keep_the_municipalitys_standard_when_swedish_is_asked_in_norway(client_for, world,
                                                                                                settings):
    from relay import links

    prefs = links.preferences_url(settings, contact_id=world.contact).removeprefix(settings.base_url)
    ack = links.ack_url(settings, alert_id=world.alert_a, contact_id=world.contact).removeprefix(settings.base_url)
    visitor = client_for("anonymous")
    for path in (prefs, ack):
        assert _html_lang(visitor.get(f"{path}?lang=sv").text) == "nn", path  # Voss writes nynorsk
