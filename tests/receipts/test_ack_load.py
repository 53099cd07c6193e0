"""1,000 concurrent acknowledgement POSTs against the app served by uvicorn: one acknowledgement, all 200.

Runs on whichever database the suite uses (SQLite by default, PostgreSQL with RELAY_TEST_DATABASE_URL).
"""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
from sqlalchemy import func, select

from relay import links
from relay.db import transaction
from relay.models import Acknowledgement, ReceiptEvent
from relay.web.app import create_app
from tests.receipts.conftest import csrf_from
from tests.smtpsink import free_port

POSTS, IN_FLIGHT = 1000, 64


@pytest.fixture
def served(engine, settings):
    """The app on 127.0.0.1 in a uvicorn thread; http links, so the browser cookies travel."""
    uvicorn = pytest.importorskip("uvicorn")
    port = free_port()
    settings = settings.model_copy(update={"base_url": f"http://127.0.0.1:{port}"})
    config = uvicorn.Config(create_app(settings, engine), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off", backlog=2048)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    yield settings
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.slow
async def test_a_thousand_concurrent_presses_record_one_acknowledgement(engine, served, sent):
    url = links.ack_url(served, alert_id=sent.alert_id, contact_id=sent.contact_id)
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        csrf = csrf_from((await client.get(url)).text)
        gate = asyncio.Semaphore(IN_FLIGHT)
        in_flight = peak = 0

        async def press(n: int) -> int:
            nonlocal in_flight, peak
            async with gate:
                in_flight += 1
                peak = max(peak, in_flight)
                try:
                    follow_up = ("noted", "will-follow-up")[n % 2]
                    response = await client.post(url, data={"csrf_token": csrf, "follow_up": follow_up})
                    return response.status_code
                finally:
                    in_flight -= 1

        statuses = await asyncio.gather(*(press(n) for n in range(POSTS)))
    assert peak >= 50
    assert {status: statuses.count(status) for status in set(statuses)} == {200: POSTS}
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(Acknowledgement)) == 1
        assert session.scalar(select(func.count()).select_from(ReceiptEvent)
                              .where(ReceiptEvent.kind == "acknowledged")) == 1
