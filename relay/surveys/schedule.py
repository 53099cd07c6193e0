"""The survey's clock for the scheduler: send what opens today, close what ended (yearly ones come back)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from relay.db import transaction
from relay.models import utcnow
from relay.settings import Settings
from relay.surveys.send import close_due, send_due


def tick(*, engine: Engine, settings: Settings) -> None:
    now = utcnow()
    with transaction(engine) as session:
        close_due(session=session, today=now.date())
    with transaction(engine) as session:
        send_due(session=session, settings=settings, now=now)


def survey_jobs(settings: Settings, engine: Engine) -> dict:
    """Jobs for relay.scheduler.build_scheduler: name → (callable, seconds). Hourly is enough for dates."""
    return {"surveys": (lambda: tick(engine=engine, settings=settings), 3600)}
