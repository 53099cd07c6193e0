"""Screenshots of the governor's and the ministry's pages at 1280 and 390 CSS px, from the demo's data.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--widths 1280,390]

Builds a fresh demo (SQLite in a temporary folder, `relay run --demo`'s material), serves it with uvicorn
on a free local port and opens Debian's chromium through Playwright (no browser download). For each
page it writes <page>-<width>.png and prints the page's width against the window's: a row whose
content is wider than the window is marked OVERFLOW, and any table cell whose text the browser may
break inside a word is listed, so the pictures come with the two checks the issue asks for.
"""

from __future__ import annotations

import argparse
import secrets
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
# The largest content width and the cells whose computed style lets a word break inside.
MEASURE = """() => {
  const broken = [...document.querySelectorAll('th, td')].filter(c => {
    const s = getComputedStyle(c);
    return s.overflowWrap === 'anywhere' || s.wordBreak === 'break-all' || s.wordBreak === 'break-word'
      || s.hyphens === 'auto';
  }).length;
  return {width: document.documentElement.scrollWidth, window: window.innerWidth, broken};
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(folder: Path):
    import uvicorn

    from relay.cli.common import engine_for, initialise_or_exit
    from relay.demo import load_demo
    from relay.settings import load_settings
    from relay.web.app import create_app

    port = _free_port()
    settings = load_settings(data_dir=folder, base_url=f"http://127.0.0.1:{port}", scheduler=False,
                             secret_key=secrets.token_urlsafe(32))
    engine = engine_for(settings)
    initialise_or_exit(settings, engine)
    load_demo(settings=settings, engine=engine)
    server = uvicorn.Server(uvicorn.Config(create_app(settings, engine), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return settings, engine, server


def _cookie(settings, engine, email: str) -> str:
    from sqlalchemy import select

    from relay.auth import session_cookie_value
    from relay.db import transaction
    from relay.models import User

    with transaction(engine) as session:
        return session_cookie_value(settings, session.scalars(select(User).where(User.email == email)).one())


def _pages(engine) -> list[tuple[str, str, str]]:
    """(name, who, path) for each picture; the item and alert are the demo's."""
    from datetime import date

    from sqlalchemy import select

    from relay.db import transaction
    from relay.models import Alert

    with transaction(engine) as session:
        alert = session.scalars(select(Alert).order_by(Alert.id)).first()
    governor, ministry = "governor@statsforvalteren.demo", "ministry@kdd.demo"
    return [
        ("front", "", "/"),
        ("queue", governor, "/queue"),
        ("item", governor, f"/queue/{alert.item_id}"),
        ("contacts", governor, "/contacts"),
        ("offices", governor, "/offices"),
        ("reports", ministry, "/reports"),
        ("alert-report", ministry, f"/reports/alerts/{alert.id}"),
        ("annual-report", ministry, f"/reports/annual/{date.today().year}"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--widths", default="1280,390")
    parser.add_argument("--only", default="", help="comma-separated page names (default: all)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from relay.web.app import SESSION_COOKIE

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    problems = 0
    with tempfile.TemporaryDirectory() as folder:
        settings, engine, server = _serve(Path(folder))
        pages = [p for p in _pages(engine) if not args.only or p[0] in args.only.split(",")]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for width in (int(w) for w in args.widths.split(",")):
                for name, who, path in pages:
                    context = browser.new_context(viewport={"width": width, "height": 900}, locale="nb-NO")
                    if who:
                        context.add_cookies([{"name": SESSION_COOKIE, "value": _cookie(settings, engine, who),
                                              "url": settings.base_url}])
                    page = context.new_page()
                    page.goto(settings.base_url + path)
                    page.wait_for_load_state("load")
                    page.evaluate("document.fonts.ready")
                    seen = page.evaluate(MEASURE)
                    page.screenshot(path=str(out / f"{name}-{width}.png"), full_page=True)
                    flag = "OVERFLOW" if seen["width"] > seen["window"] else "ok"
                    problems += flag != "ok" or seen["broken"] > 0
                    print(f"{name:14} {width:5} px  content {seen['width']:5} px  {flag:8} "
                          f"cells that break words: {seen['broken']}")
                    context.close()
            browser.close()
        server.should_exit = True
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
