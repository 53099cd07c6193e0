"""Every page in bokmål, nynorsk and English: no raw translation key, the right lang attribute, and a
menu that offers each role exactly the pages the policy table admits it to.

The translator (relay.i18n.translator) answers a missing key with the key itself ("web.nav.queue"), so a
leaked key is a dotted name that starts with a catalogue's domain (the locale files' first name part).
"""

from __future__ import annotations

import re

import pytest

from relay.i18n import LOCALES, catalogue, missing_keys, translator
from relay.web.access import admits
from relay.web.templating import MENU, WEB_LANGUAGES
from tests.web.pages import ROLE, page_visits, seed_pages, unplanned_routes

DOMAINS = sorted({path.name.split(".")[0] for path in LOCALES.glob("*.toml")})
# A dotted key of a known domain, not part of a path, host name, address or file name ("sources.toml").
LEAKED_KEY = re.compile(rf"(?<![\w./@:-])(?:{'|'.join(DOMAINS)})\.[a-z_][a-z0-9_-]*(?:\.[a-z0-9_-]+)*(?![\w/@-])"
                        r"(?<!\.toml)(?<!\.css)(?<!\.csv)(?<!\.json)(?<!\.html)")
HREF = re.compile(r'href="(/[^"#]*)"')


@pytest.fixture
def visits(engine, settings, world):
    return page_visits(settings, world, seed_pages(engine, world))


@pytest.fixture
def clients(client_for):
    made: dict = {}

    def client(persona):
        if persona not in made:
            made[persona] = client_for(persona)
        return made[persona]

    return client


def _with_lang(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def test_the_leak_pattern_catches_what_the_translator_returns_for_a_missing_key():
    leaked = translator("nn")("web.nav.no_such_entry")
    assert leaked == "web.nav.no_such_entry"
    assert LEAKED_KEY.findall(f"<li><a href='/x'>{leaked}</a></li>") == [leaked]
    assert LEAKED_KEY.findall('<a href="/static/charts/reports.css">kari@relay.test</a> sources.toml') == []


def test_every_page_route_is_visited_by_some_persona(visits):
    assert unplanned_routes(visits) == []


def test_every_text_of_the_web_catalogues_exists_in_every_language():
    for domain in ("web", "admin", "api"):
        assert missing_keys(domain) == {}, domain


def test_no_page_shows_a_raw_translation_key_in_any_language(visits, clients):
    problems = []
    for visit in visits:
        for lang in WEB_LANGUAGES:
            response = clients(visit.persona).get(_with_lang(visit.path, lang), follow_redirects=False)
            where = f"{visit.persona} {visit.path} [{lang}]"
            if response.status_code != visit.status:
                problems.append(f"{where}: status {response.status_code}, expected {visit.status}")
                continue
            if not response.headers["content-type"].startswith("text/html"):
                problems.append(f"{where}: {response.headers['content-type']} is not a page")
                continue
            if f'<html lang="{lang}">' not in response.text:
                problems.append(f"{where}: <html lang> is not {lang}")
            problems += [f"{where}: {key}" for key in sorted(set(LEAKED_KEY.findall(response.text)))]
    assert problems == [], "\n".join(problems)


def test_the_nynorsk_web_texts_are_written_in_nynorsk():
    """Bokmål forms that a nynorsk text must never use (ikkje, kva, kommunane, tenesta, motteke …)."""
    bokmal = re.compile(r"\b(ikke|hva|hvor|hvordan|kommunene|tjenesten|tjenester|mottatt|bare|fra|noe|sendt inn)\b", re.I)
    texts = catalogue("nn")
    found = {f"{key}: {text}" for key, text in texts.items()
             if key.split(".")[0] in ("web", "admin", "api") and bokmal.search(text)}
    assert found == set()


def test_an_unknown_address_gets_the_404_page(clients):
    answer = clients("anonymous").get("/no-such-page?lang=nn")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert '<html lang="nn">' in answer.text and translator("nn")("web.error.not_found") in answer.text


def _links(html: str) -> set[str]:
    return {href.replace("&amp;", "&") for href in HREF.findall(html) if not href.startswith("/static/")}


def test_the_menu_follows_the_policy_table_for_every_role(clients):
    for persona, role in ROLE.items():
        page = clients(persona).get("/").text
        nav = page.split("<nav", 1)[1].split("</nav>", 1)[0]
        for name, _label in MENU:
            href = f'href="{clients(persona).app.url_path_for(name)}"'
            assert (href in nav) == admits(role, name), f"{persona}: {name}"


def test_a_contact_reaches_its_own_subscriptions_from_the_menu(clients, world):
    from relay.db import transaction  # noqa: F401  (the contact's e-mail is on the page it reaches)

    page = clients("contact").get("/").text
    href = re.search(r'href="(https://relay\.test/p/[^"]+)"', page).group(1)
    prefs = clients("contact").get(href.replace("https://relay.test", ""))
    assert prefs.status_code == 200 and 'name="freq-child-welfare"' in prefs.text
    assert "/p/" not in clients("governor_a").get("/").text


def test_no_page_links_a_role_to_a_page_it_is_refused(visits, clients):
    """Every internal link on every page a persona sees, followed by that persona, is never refused."""
    seen: dict[str, set[str]] = {}
    for visit in visits:
        if visit.status == 200:
            seen.setdefault(visit.persona, set()).update(_links(clients(visit.persona).get(visit.path).text))
    refused = []
    for persona, hrefs in seen.items():
        for href in sorted(hrefs):
            answer = clients(persona).get(href, follow_redirects=False)
            to_login = answer.status_code in (302, 303) and answer.headers["location"].startswith("/login")
            if answer.status_code in (401, 403) or to_login:
                refused.append(f"{persona} → {href}: {answer.status_code}")
    assert refused == []
