"""Work done after an HTTP answer: counted when it fails, and left out of the answer's latency."""

from __future__ import annotations

import logging
import time

from fastapi import BackgroundTasks, FastAPI
from sqlalchemy import func, select
from starlette.testclient import TestClient

from relay.db import transaction
from relay.models import Contact
from relay.ops.metrics import HTTP_REGISTRY, MetricsMiddleware
from relay.web.pages.public.subscriptions import sign_up_after_answer

SLOW = 0.6  # seconds the background task takes; far above the answer itself


def _failures() -> float:
    return HTTP_REGISTRY.get_sample_value("relay_background_task_failures_total", {"task": "signup"}) or 0.0


def test_a_sign_up_that_fails_after_the_answer_is_logged_by_class_and_counted(engine, settings, caplog):
    before = _failures()
    # The municipality was removed between the answer and the save: nothing can be saved.
    with caplog.at_level(logging.ERROR, logger="relay.web"):
        sign_up_after_answer(engine, settings, municipality_id=987654,
                             values={"email": "kari@example.kommune.no", "name": "Kari", "sectors": ["child-welfare"],
                                     "frequency": "weekly"},
                             page_language="nb", mail_language="nb")
    assert _failures() == before + 1
    records = [r for r in caplog.records if r.getMessage() == "sign-up not saved"]
    assert len(records) == 1 and records[0].error and records[0].municipality_id == 987654
    assert "kari@" not in caplog.text  # the address never reaches the log
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_request_latency_ends_with_the_answer_not_with_its_background_work():
    app = FastAPI()

    @app.post("/slow-after", name="slow_after")
    def answer(background: BackgroundTasks):
        background.add_task(time.sleep, SLOW)
        return {"ok": True}

    app.add_middleware(MetricsMiddleware)
    labels = {"method": "POST", "route": "slow_after", "status": "200"}
    count = HTTP_REGISTRY.get_sample_value("relay_http_request_duration_seconds_count", labels) or 0.0
    total = HTTP_REGISTRY.get_sample_value("relay_http_request_duration_seconds_sum", labels) or 0.0
    started = time.perf_counter()
    with TestClient(app) as client:
        assert client.post("/slow-after").json() == {"ok": True}
    assert time.perf_counter() - started >= SLOW  # the background work did run, inside the request
    assert HTTP_REGISTRY.get_sample_value("relay_http_request_duration_seconds_count", labels) == count + 1
    observed = HTTP_REGISTRY.get_sample_value("relay_http_request_duration_seconds_sum", labels) - total
    assert 0 < observed < SLOW / 2
