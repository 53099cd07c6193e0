"""plan_and_render: a large urgent fan-out is committed in parts, each waking the sender."""

from __future__ import annotations

from sqlalchemy import func, select

from relay import pipeline
from relay.db import transaction
from relay.delivery import wakeup
from relay.models import Assignment, Message
from tests.factories import make_alert, make_contact, make_municipality, make_office


def test_an_urgent_fan_out_is_queued_in_parts_and_every_assignment_gets_its_message(engine, settings, monkeypatch):
    with transaction(engine) as session:
        office = make_office(session)
        munis = [make_municipality(session, office=office) for _ in range(3)]
        for muni in munis:
            for _ in range(5):
                make_contact(session, municipality=muni, frequency="monthly")
        make_alert(session, office=office, municipalities=munis, priority="urgent")
    monkeypatch.setattr(pipeline, "FIRST_PART", 2)
    monkeypatch.setattr(pipeline, "PART", 4)
    commits = []

    def count():
        commits.append(1)

    wakeup.on_wake(wakeup.SEND, count)
    try:
        _, queued = pipeline.plan_and_render(engine=engine, settings=settings)
    finally:
        wakeup.off_wake(count)
    assert queued == 15
    assert len(commits) == 5  # 2, then 4 + 4 + 4 + 1: the first went to the sender before the rest was rendered
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 15
        assert session.scalar(select(func.count()).where(Assignment.message_id.is_(None))) == 0
    assert pipeline.plan_and_render(engine=engine, settings=settings)[1] == 0  # nothing twice
