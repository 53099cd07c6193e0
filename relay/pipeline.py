"""The stages after curation, as the scheduler and the CLI run them: plan → render → (outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine

from relay.db import transaction
from relay.delivery.recorder import let_senders_write
from relay.digests.plan import PlanReport, plan_due
from relay.digests.render import render_pending
from relay.settings import Settings

# Messages rendered per transaction. A national urgent alert is ~2,000 messages at ~3 ms each, and
# on SQLite a rendering transaction holds the one write lock the sender needs too. Small parts,
# each committed on its own, reach the sender (woken at each commit) while the rest is rendered,
# instead of all of them after the last one.
FIRST_PART, PART = 10, 25


def plan_and_render(*, engine: Engine, settings: Settings, now: datetime | None = None) -> tuple[PlanReport, int]:
    """Assign, build digests and queue their first messages in ONE transaction (DELIVERY-AND-RECEIPTS
    §5.5), then the rest in parts. Each part commits its messages with the assignments they
    carry; an assignment left without one by a crash between parts is pending and rendered by
    the next run, so nothing is lost or queued twice."""
    with transaction(engine) as session:
        report = plan_due(session=session, tz=settings.timezone, now=now)
        count = rendered = len(render_pending(session=session, settings=settings, limit=FIRST_PART))
    limit = FIRST_PART
    while rendered == limit:
        limit = PART
        let_senders_write(engine)
        with transaction(engine) as session:
            rendered = len(render_pending(session=session, settings=settings, limit=limit))
        count += rendered
    return report, count
