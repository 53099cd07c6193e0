"""Real browser helpers: Debian's chromium through Playwright against uvicorn on a free port, and axe-core.

The fixtures `server` and `browser` (tests/web/conftest.py) use these; no browser is ever downloaded.
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
# The WCAG 2.1 A and AA rules of axe-core (issue 5: zero violations on every page).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(engine, tmp_path, **overrides):
    """(base URL, settings, stop) for the app served by uvicorn in a thread; `overrides` are settings
    (profile="se", default_language="sv": the Swedish deployment)."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="pip install playwright (no browser download needed)")
    pytest.importorskip("axe_playwright_python", reason="pip install axe-playwright-python")
    uvicorn = pytest.importorskip("uvicorn")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    settings = load_settings(data_dir=tmp_path / "data", database_url=str(engine.url.render_as_string(False)),
                             base_url=base, secret_key="test-signing-key-not-secret", scheduler=False,
                             mail={"from_address": "relay@relay.test"}, **overrides)
    srv = uvicorn.Server(uvicorn.Config(create_app(settings, engine), host="127.0.0.1", port=port,
                                        log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)

    def stop():
        srv.should_exit = True
        thread.join(timeout=5)

    return base, settings, stop


def page_as(browser, base, settings, engine, user_id, locale="nb-NO", viewport=None):
    """A fresh browser context, signed in as the user (None: anonymous), recording CSP reports."""
    context = browser.new_context(locale=locale, **({"viewport": viewport} if viewport else {}))
    if user_id is not None:
        with transaction(engine) as s:
            cookie = session_cookie_value(settings, s.get(User, user_id))
        context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": base}])
    page = context.new_page()
    page.csp_errors = []
    page.on("console", lambda m: page.csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    return page


def axe(page, tags=None) -> list[str]:
    """Violations on this page; CSP reports are taken before axe injects its own script and styles."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")
    page.shipped_csp_errors = getattr(page, "shipped_csp_errors", []) + [f"{page.url}: {e}" for e in page.csp_errors]
    page.csp_errors.clear()
    options = {"resultTypes": ["violations"]}
    if tags:
        options["runOnly"] = {"type": "tag", "values": tags}
    results = Axe().run(page, options=options)
    page.csp_errors.clear()
    return [f"{page.url}: {v['id']} ({len(v['nodes'])}) {v['help']}: "
            + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"]) for n in v["nodes"][:3])
            for v in results.response["violations"]]
