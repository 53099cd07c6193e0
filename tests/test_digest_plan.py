"""Each alert reaches each contact exactly once — never twice, never missed — across restarts,
schedule changes and downtime; empty digests are never made; gaps go to the fallback address."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from relay.db import transaction
from relay.digests.periods import ended_periods_since, period_containing
from relay.digests.plan import plan_due, plan_immediate, plan_period
from relay.models import Assignment, Digest, DigestRun, Subscription
from tests.factories import make_alert, make_contact, make_municipality, make_office

TZ = "Europe/Oslo"
MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday morning


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_weeks_start_on_monday_and_months_on_the_first():
    assert period_containing("weekly", date(2026, 11, 19)) == (date(2026, 11, 16), date(2026, 11, 23))
    assert period_containing("monthly", date(2026, 12, 31)) == (date(2026, 12, 1), date(2027, 1, 1))


def test_missed_periods_are_caught_up_from_the_last_completed_one():
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    periods = ended_periods_since("weekly", date(2026, 11, 2), now, TZ)
    assert [p[0] for p in periods] == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
    assert ended_periods_since("weekly", None, now, TZ) == [(date(2026, 11, 16), date(2026, 11, 23))]


def test_an_alert_reaches_a_weekly_contact_once_in_one_digest(engine):
    with transaction(engine) as session:
        office = make_office(session)
        voss = make_municipality(session, office=office, malform="nynorsk")
        contact = make_contact(session, municipality=voss)
        make_alert(session, office=office, municipalities=[voss], approved_at=MONDAY)
        make_alert(session, office=office, municipalities=[voss], approved_at=MONDAY + timedelta(days=2))
    week = period_containing("weekly", MONDAY.date())
    with transaction(engine) as session:
        digests = plan_period(session=session, frequency="weekly", period=week, tz=TZ)
        assert len(digests) == 1
    with transaction(engine) as session:  # a restart plans the same period again: nothing new
        assert plan_period(session=session, frequency="weekly", period=week, tz=TZ) == []
        assert _count(session, Assignment, Assignment.contact_id == contact.id) == 2
        assert _count(session, Digest) == 1


def test_no_digest_is_made_when_there_is_nothing_new(engine):
    with transaction(engine) as session:
        make_contact(session)
        digests = plan_period(session=session, frequency="weekly", period=period_containing("weekly", MONDAY.date()), tz=TZ)
        assert digests == []
        assert _count(session, Digest) == 0
        assert _count(session, DigestRun, DigestRun.processed_at.is_not(None)) == 1


def test_downtime_and_a_schedule_change_neither_drop_nor_repeat_an_alert(engine):
    with transaction(engine) as session:
        office = make_office(session)
        muni = make_municipality(session, office=office)
        contact = make_contact(session, municipality=muni, frequency="weekly", subscribed_days_ago=60)
        early = make_alert(session, office=office, municipalities=[muni], approved_at=MONDAY - timedelta(days=14))
        contact_id, early_id = contact.id, early.id
        plan_period(session=session, frequency="weekly",
                    period=period_containing("weekly", (MONDAY - timedelta(days=21)).date()), tz=TZ)
    # The service was down for two weeks; meanwhile the contact switched to monthly.
    with transaction(engine) as session:
        sub = session.scalars(select(Subscription).where(Subscription.contact_id == contact_id)).one()
        sub.frequency = "monthly"
        make_alert(session, office=session.get(type(muni), muni.office_id), municipalities=[muni],
                   approved_at=MONDAY + timedelta(days=1))
    with transaction(engine) as session:
        plan_due(session=session, tz=TZ, now=datetime(2026, 12, 2, 8, tzinfo=UTC))
    with transaction(engine) as session:
        pairs = session.execute(select(Assignment.alert_id, Assignment.contact_id)).all()
        assert len(pairs) == len(set(pairs)) == 2
        assert (early_id, contact_id) in pairs
        monthly = session.scalars(select(Digest).where(Digest.frequency == "monthly")).all()
        assert [d.period_start for d in monthly] == [date(2026, 11, 1)]


def test_an_urgent_alert_goes_out_at_once_and_is_not_repeated_in_the_digest(engine):
    with transaction(engine) as session:
        office = make_office(session)
        muni = make_municipality(session, office=office)
        make_contact(session, municipality=muni, frequency="monthly")
        make_alert(session, office=office, municipalities=[muni], priority="urgent", approved_at=MONDAY)
        assert len(plan_immediate(session=session, now=MONDAY)) == 1
        assert plan_immediate(session=session, now=MONDAY) == []
        assert plan_period(session=session, frequency="monthly", period=(date(2026, 11, 1), date(2026, 12, 1)), tz=TZ) == []


def test_a_sector_nobody_follows_goes_to_the_fallback_address(engine):
    with transaction(engine) as session:
        office = make_office(session)
        muni = make_municipality(session, office=office)
        make_contact(session, municipality=muni, sectors=("education",))
        fallback = make_contact(session, municipality=muni, kind="fallback", sectors=(), email="postmottak@k.test")
        make_alert(session, office=office, municipalities=[muni], sectors=("child-welfare",), approved_at=MONDAY)
        digests = plan_period(session=session, frequency="weekly", period=period_containing("weekly", MONDAY.date()), tz=TZ)
        assert [d.contact_id for d in digests] == [fallback.id]
        assert session.scalars(select(Assignment)).one().via == "fallback"


def test_a_new_subscriber_does_not_get_the_backlog(engine):
    with transaction(engine) as session:
        office = make_office(session)
        muni = make_municipality(session, office=office)
        make_alert(session, office=office, municipalities=[muni], approved_at=MONDAY - timedelta(days=40))
        make_contact(session, municipality=muni, subscribed_days_ago=1)
        assert plan_period(session=session, frequency="weekly", period=period_containing("weekly", MONDAY.date()), tz=TZ) == []


def test_only_targeted_municipalities_and_subscribed_sectors_receive(engine):
    with transaction(engine) as session:
        office = make_office(session)
        targeted, other = make_municipality(session, office=office), make_municipality(session, office=office)
        make_contact(session, municipality=other)
        make_contact(session, municipality=targeted, sectors=("housing",))
        make_alert(session, office=office, municipalities=[targeted], approved_at=MONDAY)
        assert plan_period(session=session, frequency="weekly", period=period_containing("weekly", MONDAY.date()), tz=TZ) == []
