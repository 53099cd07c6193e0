"""Every page of every role in Debian's chromium: axe-core (WCAG 2.1 A/AA) finds nothing, and the
keyboard basics hold (skip link, visible focus, lang attribute, errors tied to their fields).

The pages come from tests/web/pages.py, which derives them from the routes: a new GET page is visited
here (or the route test in test_pages_languages.py fails until it is planned).
"""

from __future__ import annotations

import pytest

from tests.web.browser import WCAG_TAGS, axe, page_as
from tests.web.pages import NOT_PAGES, get_routes, page_visits, seed_pages

pytestmark = pytest.mark.browser


def _personas(browser, base, settings, engine, world):
    pages: dict = {}

    def get(persona):
        if persona not in pages:
            pages[persona] = page_as(browser, base, settings, engine, world.users.get(persona))
        return pages[persona]

    return get


def test_every_page_of_every_role_passes_axe(server, browser, engine, world):
    base, settings = server
    visits = page_visits(settings, world, seed_pages(engine, world))
    persona = _personas(browser, base, settings, engine, world)
    violations, wrong = [], []
    for visit in visits:
        page = persona(visit.persona)
        response = page.goto(base + visit.path)
        if response.status != visit.status:
            wrong.append(f"{visit.persona} {visit.path}: {response.status}")
        violations += [f"[{visit.persona}] {v}" for v in axe(page, WCAG_TAGS)]
    assert {v.name for v in visits} >= {r.name for r in get_routes()} - set(NOT_PAGES)
    assert wrong == []
    assert violations == [], "\n".join(violations)
    shipped = [e for p in ("anonymous", "contact", "governor_a", "ministry", "admin")
               for e in getattr(persona(p), "shipped_csp_errors", [])]
    assert shipped == []


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_the_page_language_and_the_skip_link_work_from_the_keyboard(server, browser, engine, world, lang):
    base, settings = server
    page = page_as(browser, base, settings, engine, world.users["governor_a"])
    page.goto(f"{base}/contacts?lang={lang}")
    assert page.get_attribute("html", "lang") == lang
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.className, document.activeElement.getAttribute('href')]")
    assert focused == ["skip-link", "#main"]
    box = page.locator(".skip-link").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0  # shown on screen while focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    # The choice sticks: the next page without ?lang= speaks the same language.
    page.goto(f"{base}/coverage")
    assert page.get_attribute("html", "lang") == lang


def test_focus_is_visible_on_every_control_reached_by_tab(server, browser, engine, world):
    base, settings = server
    page = page_as(browser, base, settings, engine, world.users["admin"])
    page.goto(f"{base}/admin/sources")
    if page.is_visible(".menu-toggle"):  # the admin's eleven menu entries fold behind "Meny" at 1280 px
        page.click(".menu-toggle")
    invisible, reached = [], 0
    for _ in range(40):
        page.keyboard.press("Tab")
        style = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
            return [e.tagName + (e.id ? '#' + e.id : ''), s.outlineStyle, s.outlineWidth, s.boxShadow]; }""")
        name, outline, width, shadow = style
        if name == "BODY":  # past the last control, focus leaves the page
            break
        reached += 1
        if (outline == "none" or width == "0px") and shadow == "none":
            invisible.append(name)
    assert reached >= 20 and invisible == []


def test_every_invalid_field_names_its_error_message(server, browser, engine, world):
    """Rejected forms in the browser: each aria-invalid field points at a visible message."""
    base, settings = server
    seed_pages(engine, world)
    gov = page_as(browser, base, settings, engine, world.users["governor_a"])
    anonymous = page_as(browser, base, settings, engine, None)
    admin = page_as(browser, base, settings, engine, world.users["admin"])

    anonymous.goto(f"{base}/login")
    anonymous.fill("#email", "not-an-address")
    anonymous.click("form[action='/login'] button[type=submit]")
    anonymous.goto(f"{base}/signup")
    anonymous.select_option("#municipality", "4621")
    anonymous.fill("#email", "kari@gmail.test")
    anonymous.check("#s-child-welfare")
    anonymous.click("form[action='/signup'] button[type=submit]")
    assert anonymous.input_value("#email") == "kari@gmail.test"
    assert anonymous.is_checked("#s-child-welfare")
    problems = _unlinked_errors(anonymous) + axe(anonymous, WCAG_TAGS)

    gov.goto(f"{base}/contacts")
    gov.fill("#c-email", "ikkje-ei-adresse")
    gov.fill("#c-name", "Rådgjevar")
    gov.click("form[action='/contacts'][method='post'] button[type=submit]")
    assert gov.input_value("#c-name") == "Rådgjevar"
    problems += _unlinked_errors(gov) + axe(gov, WCAG_TAGS)

    admin.goto(f"{base}/admin/sources")
    admin.fill("#f-key", "Ugyldig nøkkel")
    admin.fill("#f-url", "ftp://example.test/feed")
    admin.click("form[action='/admin/sources'] button[type=submit]")
    assert admin.input_value("#f-url") == "ftp://example.test/feed"
    problems += _unlinked_errors(admin) + axe(admin, WCAG_TAGS)
    assert problems == []


def _unlinked_errors(page) -> list[str]:
    fields = page.evaluate("""() => [...document.querySelectorAll('[aria-invalid="true"]')].map(e => {
        const ids = (e.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
        const text = ids.map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
        return [e.id || e.name, text]; })""")
    assert fields, f"{page.url}: no field marked invalid"
    return [f"{page.url}: {name} has no message" for name, text in fields if not text]
