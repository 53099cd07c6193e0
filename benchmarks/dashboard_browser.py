"""The ministry's dashboard in a real browser: HTML size and time to a complete page (issue 21).

The app is served by uvicorn on a year of national data (357 municipalities, 100k receipt events
grown as in benchmarks.dashboard; --quick: 10k), a ministry user signs in through a real sign-in
link, and Debian's chromium opens /reports: one warm-up, then the median of 7 loads (--quick: 3)
from navigation start to the load event. SQLite always; PostgreSQL too when
RELAY_BENCH_DATABASE_URL is set (that database is emptied!). Goals: < 100 KB, < 300 ms.

    python -m benchmarks dashboard_browser [--quick]
"""

from __future__ import annotations

import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import func, select, text

from benchmarks.dashboard import Loader, _settle, _world, grow
from relay import migrate
from relay.auth import create_login_link
from relay.db import make_engine, transaction
from relay.models import ReceiptEvent, User
from relay.reports.refresh import ensure_fresh
from relay.settings import load_settings
from relay.web.app import create_app
from relay.web.pages.public.login import sign_in_url

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
GOAL_KB, GOAL_MS = 100, 300


def _serve(engine, folder: Path):
    """(base URL, settings, stop) for the real app under uvicorn in a thread."""
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    settings = load_settings(data_dir=folder / "data", database_url=engine.url.render_as_string(False),
                             base_url=base, secret_key="bench-signing-key-not-secret", scheduler=False,
                             mail={"from_address": "relay@relay.test"})
    server = uvicorn.Server(uvicorn.Config(create_app(settings, engine), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)

    def stop():
        server.should_exit = True
        thread.join(timeout=5)

    return base, settings, stop


def _load(engine, events: int) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    offices, contacts = _world(engine)
    grow(engine, Loader(engine), offices, contacts, events, random.Random(9))
    _settle(engine)
    ensure_fresh(engine)
    _settle(engine, vacuum=True)


def measure(engine, folder: Path, name: str, loads: int) -> dict:
    from playwright.sync_api import sync_playwright

    base, settings, stop = _serve(engine, folder)
    with transaction(engine) as session:
        user = User(email="ministry@bench.test", role="ministry")
        session.add(user)
        session.flush()
        token = create_login_link(session=session, settings=settings, user=user)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_context(locale="nb-NO").new_page()
            page.goto(sign_in_url(base, token, "/reports"))
            page.click("form[action^='/login/'] button[type=submit]")
            page.wait_for_url(f"{base}/reports*")
            times, size = [], 0
            for n in range(loads + 1):  # the first is the warm-up
                response = page.goto(f"{base}/reports", wait_until="load")
                if response.status != 200 or "/reports" not in page.url:
                    raise RuntimeError(f"/reports answered {response.status} at {page.url}")
                size = len(response.body())
                ms = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
                if n:
                    times.append(ms)
            browser.close()
    finally:
        stop()
    median_ms = statistics.median(times)
    return {f"{name} HTML (KB, goal < {GOAL_KB})": size / 1024, f"{name} HTML under {GOAL_KB} KB": size < GOAL_KB * 1024,
            f"{name} complete page (ms, median of {loads}, goal < {GOAL_MS})": median_ms,
            f"{name} complete page under {GOAL_MS} ms": median_ms < GOAL_MS}


def scenario(url: str | None, events: int, name: str, loads: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        engine = make_engine(url or f"sqlite:///{folder / 'bench.db'}")
        try:
            _load(engine, events)
            with transaction(engine) as session:
                figures = {f"{name} receipt events": session.scalar(select(func.count()).select_from(ReceiptEvent))}
            figures.update(measure(engine, folder, name, loads))
        finally:
            engine.dispose()
    return figures


def run(quick: bool = False) -> dict:
    if not Path(CHROMIUM).exists():
        return {"skipped": f"{CHROMIUM} is not installed (apt-get install chromium)"}
    events, loads = (10_000, 3) if quick else (100_000, 7)
    figures = {"data set": "quick: 10k receipt events, smaller than a full year" if quick
               else "a year: 100k receipt events"}
    figures.update(scenario(None, events, "sqlite", loads))
    url = os.environ.get("RELAY_BENCH_DATABASE_URL")
    if url:
        figures.update(scenario(url, events, "postgresql", loads))
    return figures


if __name__ == "__main__":
    from benchmarks.__main__ import _format

    for key, value in run(quick="--quick" in sys.argv).items():
        print(f"{key:<55} {_format(value)}")
