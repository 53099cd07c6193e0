"""An acknowledgement is recorded once, however often and however concurrently it is pressed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from relay.db import transaction
from relay.models import Acknowledgement, ReceiptEvent
from relay.receipts.acks import AckError, acknowledge
from tests.factories import make_alert, make_contact, make_municipality, make_office


def _alert_and_contact(engine):
    with transaction(engine) as session:
        office = make_office(session)
        muni = make_municipality(session, office=office)
        contact = make_contact(session, municipality=muni)
        alert = make_alert(session, office=office, municipalities=[muni])
        return alert.id, contact.id


def test_pressing_twice_records_one_acknowledgement_and_keeps_the_follow_up(engine):
    alert_id, contact_id = _alert_and_contact(engine)
    with transaction(engine) as session:
        _, created = acknowledge(session=session, alert_id=alert_id, contact_id=contact_id)
        assert created
    with transaction(engine) as session:
        row, created = acknowledge(session=session, alert_id=alert_id, contact_id=contact_id, follow_up="noted")
        assert not created and row.follow_up == "noted"
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(Acknowledgement)) == 1
        assert session.scalar(select(func.count()).select_from(ReceiptEvent)) == 1


def test_many_concurrent_presses_record_exactly_one(engine):
    alert_id, contact_id = _alert_and_contact(engine)

    def press(_):
        with transaction(engine) as session:
            return acknowledge(session=session, alert_id=alert_id, contact_id=contact_id)[1]

    with ThreadPoolExecutor(max_workers=16) as pool:
        created = list(pool.map(press, range(200)))
    assert created.count(True) == 1
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(Acknowledgement)) == 1
        assert session.scalar(select(func.count()).select_from(ReceiptEvent).where(ReceiptEvent.kind == "acknowledged")) == 1


def test_an_unknown_follow_up_status_is_refused(engine):
    alert_id, contact_id = _alert_and_contact(engine)
    with transaction(engine) as session, pytest.raises(AckError):
        acknowledge(session=session, alert_id=alert_id, contact_id=contact_id, follow_up="ignored")
