"""Real browser: Debian's chromium through Playwright against uvicorn on a free port.

A governor signs in (session cookie), opens the queue, drafts nynorsk, approves an item and edits the
nynorsk text; an axe-core scan of every page finds zero violations; the CSP blocks nothing we ship.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from relay.auth import session_cookie_value
from relay.db import transaction
from relay.models import User
from relay.settings import load_settings
from relay.web.app import SESSION_COOKIE, create_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(engine, world, tmp_path):
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"{CHROMIUM} is not installed")
    pytest.importorskip("playwright.sync_api", reason="pip install playwright (no browser download needed)")
    uvicorn = pytest.importorskip("uvicorn")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    settings = load_settings(data_dir=tmp_path / "data", database_url=str(engine.url.render_as_string(False)),
                             base_url=base, secret_key="test-signing-key-not-secret", scheduler=False,
                             mail={"from_address": "relay@relay.test"})
    app = create_app(settings, engine)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield base, settings
    srv.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def _page_as(browser, base, settings, engine, user_id):
    context = browser.new_context(locale="nb-NO")
    if user_id is not None:
        with transaction(engine) as s:
            cookie = session_cookie_value(settings, s.get(User, user_id))
        context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": base}])
    page = context.new_page()
    page.csp_errors = []
    page.on("console", lambda m: page.csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    return page


def _axe(page) -> list[str]:
    """Violations on this page; CSP reports are taken before axe injects its own script and styles."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")
    page.shipped_csp_errors = getattr(page, "shipped_csp_errors", []) + [f"{page.url}: {e}" for e in page.csp_errors]
    page.csp_errors.clear()
    results = Axe().run(page)
    page.csp_errors.clear()
    return [f"{page.url}: {v['id']} ({len(v['nodes'])}) {v['help']}" for v in results.response["violations"]]


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
    gov.fill("#f-summary_nb", "Det jeg skrev")
    gov.click('button:has-text("Godkjenn")')
    assert gov.locator('[role="alert"]').count() >= 1
    assert gov.get_attribute("#f-title_nb", "aria-invalid") == "true"
    assert gov.input_value("#f-summary_nb") == "Det jeg skrev"
    assert _axe(gov) == []
