"""The stages after curation, as the scheduler and the CLI run them: plan → render → (outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine

from relay.db import transaction
from relay.digests.plan import PlanReport, plan_due
from relay.digests.render import render_pending
from relay.settings import Settings


def plan_and_render(*, engine: Engine, settings: Settings, now: datetime | None = None) -> tuple[PlanReport, int]:
    """Assign, build digests and queue their messages in ONE transaction (DELIVERY-AND-RECEIPTS §5.5)."""
    with transaction(engine) as session:
        report = plan_due(session=session, tz=settings.timezone, now=now)
        messages = render_pending(session=session, settings=settings)
    return report, len(messages)
