"""Persistent trouble opens one incident, e-mails each admin once, and closes when the trouble ends."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from relay.db import transaction
from relay.models import Heartbeat, Incident, Message, ReceiptEvent, Source, User, utcnow
from relay.ops.incidents import check_incidents
from tests import factories

T0 = utcnow().replace(microsecond=0)


def _admins(engine, n=2):
    with transaction(engine) as s:
        for i in range(n):
            factories.make_user(s, role="admin", name=f"Admin {i}", language="nn" if i else "nb")
        factories.make_user(s, role="governor")  # not an admin: never told


def _lead(engine, at):
    with transaction(engine) as s:
        s.merge(Heartbeat(name="host:1:scheduler", role="scheduler", is_leader=True, started_at=at, seen_at=at))


def _alerts(engine):
    with transaction(engine) as s:
        return s.scalars(select(Message).where(Message.kind == "ops-alert").order_by(Message.id)).all()


def _run_minutes(engine, settings, start, minutes, kind):
    """Check once a minute with the leader beating, as the scheduler would; the changes of one kind."""
    changes = []
    for minute in range(minutes):
        now = start + timedelta(minutes=minute)
        _lead(engine, now)
        changes += [c for c in check_incidents(engine=engine, settings=settings, now=now) if c.kind == kind]
    return changes


def _failing_source(engine, since):
    with transaction(engine) as s:
        s.add(Source(key="hudoc-echr", kind="hudoc", name="HUDOC", failing_since=since, error_count=7,
                     last_error="HTTP 503 from hudoc.echr.coe.int"))


def _recover(engine):
    with transaction(engine) as s:
        source = s.scalars(select(Source).where(Source.key == "hudoc-echr")).one()
        source.failing_since, source.error_count, source.last_error = None, 0, None


def test_it_opens_one_source_incident_across_many_checks_and_mails_each_admin_once(engine, settings):
    _admins(engine)
    _failing_source(engine, T0)
    # 12 hours of failure is the default threshold: nothing before it, one incident after it.
    assert _run_minutes(engine, settings, T0 + timedelta(hours=11, minutes=55), 4, "source") == []
    changes = _run_minutes(engine, settings, T0 + timedelta(hours=12), 30, "source")
    assert [(c.action, c.subject) for c in changes] == [("opened", "hudoc-echr")]
    mails = _alerts(engine)
    with transaction(engine) as s:
        admins = set(s.scalars(select(User.email).where(User.role == "admin")))
    assert len(mails) == 2 and {m.to_address for m in mails} == admins
    assert all("hudoc-echr" in m.subject for m in mails)
    assert b"HTTP 503" in mails[0].mime.replace(b"=\r\n", b"")
    with transaction(engine) as s:
        incident = s.scalars(select(Incident)).one()
        assert incident.closed_at is None and incident.notified_at is not None


def test_it_closes_when_the_trouble_ends_and_a_new_episode_fires_again(engine, settings):
    _admins(engine, n=1)
    _failing_source(engine, T0)
    later = T0 + timedelta(hours=13)
    assert [c.action for c in _run_minutes(engine, settings, later, 3, "source")] == ["opened"]
    _recover(engine)
    assert [c.action for c in _run_minutes(engine, settings, later + timedelta(minutes=3), 5, "source")] == ["closed"]
    # It fails again: a new episode, a new incident and a new e-mail.
    with transaction(engine) as s:
        s.scalars(select(Source)).one().failing_since = later + timedelta(minutes=10)
    again = later + timedelta(hours=13)
    assert [c.action for c in _run_minutes(engine, settings, again, 5, "source")] == ["opened"]
    with transaction(engine) as s:
        incidents = s.scalars(select(Incident).where(Incident.kind == "source").order_by(Incident.id)).all()
    assert [i.closed_at is None for i in incidents] == [False, True]
    assert len([m for m in _alerts(engine) if "hudoc-echr" in m.subject]) == 2


def test_a_paused_source_opens_nothing(engine, settings):
    _failing_source(engine, T0)
    with transaction(engine) as s:
        s.scalars(select(Source)).one().paused = True
    assert _run_minutes(engine, settings, T0 + timedelta(days=2), 2, "source") == []


def test_it_opens_one_outbox_incident_while_the_oldest_queued_message_is_too_old(engine, settings, with_ops):
    settings = with_ops(outbox_max_age_minutes=30)
    _admins(engine, n=1)
    with transaction(engine) as s:
        contact = factories.make_contact(s)
        s.add(Message(purpose_key="digest:1", kind="digest", contact_id=contact.id, to_address=contact.email,
                      envelope_from="b@relay.test", subject="Digest", message_id_header="<1@relay.test>",
                      mime=b"x", status="queued", created_at=T0, next_attempt_at=T0))
    assert _run_minutes(engine, settings, T0 + timedelta(minutes=25), 4, "outbox") == []
    changes = _run_minutes(engine, settings, T0 + timedelta(minutes=30), 20, "outbox")
    assert [(c.action, c.subject) for c in changes] == [("opened", "queued")]
    with transaction(engine) as s:
        s.scalars(select(Message).where(Message.purpose_key == "digest:1")).one().status = "sent"
        # Our own ops-alert is still queued (no sender runs here): send it too.
        for m in s.scalars(select(Message).where(Message.kind == "ops-alert")):
            m.status = "sent"
    assert [c.action for c in _run_minutes(engine, settings, T0 + timedelta(hours=1), 3, "outbox")] == ["closed"]


def _sent(session, n, at, bounced=0):
    contact = factories.make_contact(session)
    for i in range(n):
        m = Message(purpose_key=f"alert:{contact.id}:{i}", kind="alert", contact_id=contact.id, to_address="x@k.test",
                    envelope_from="b@relay.test", subject="s", message_id_header=f"<{contact.id}.{i}@relay.test>",
                    mime=b"x", status="sent", created_at=at, sent_at=at, next_attempt_at=at)
        session.add(m)
        session.flush()
        if i < bounced:
            session.add(ReceiptEvent(dedupe_key=f"b:{m.id}", kind="bounced", occurred_at=at, message_id=m.id))


def test_it_opens_a_bounce_incident_above_the_rate_and_closes_when_the_window_passes(engine, settings, with_ops):
    settings = with_ops(bounce_rate_threshold=0.2, bounce_window_hours=6, bounce_min_messages=10)
    with transaction(engine) as s:
        _sent(s, 10, T0, bounced=2)  # 20 %: not above the threshold
    assert _run_minutes(engine, settings, T0 + timedelta(minutes=5), 3, "bounces") == []
    with transaction(engine) as s:
        _sent(s, 10, T0 + timedelta(minutes=10), bounced=8)  # 10 of 20 bounced
    changes = _run_minutes(engine, settings, T0 + timedelta(minutes=15), 10, "bounces")
    assert [(c.action, c.subject) for c in changes] == [("opened", "bounce-rate")]
    assert [c.action for c in _run_minutes(engine, settings, T0 + timedelta(hours=7), 3, "bounces")] == ["closed"]


def test_too_few_messages_are_not_judged(engine, settings):
    with transaction(engine) as s:
        _sent(s, 5, T0, bounced=5)
    assert _run_minutes(engine, settings, T0 + timedelta(minutes=1), 2, "bounces") == []


def test_it_opens_a_heartbeat_incident_without_a_leader_and_closes_when_one_leads(engine, settings):
    _admins(engine, n=1)
    _lead(engine, T0)
    for minute in range(4):  # 5 minutes is the default: a leader seen 3 minutes ago is fine
        assert check_incidents(engine=engine, settings=settings, now=T0 + timedelta(minutes=minute)) == []
    opened = []
    for minute in range(6, 30):
        opened += [c for c in check_incidents(engine=engine, settings=settings, now=T0 + timedelta(minutes=minute))
                   if c.kind == "heartbeat"]
    assert [(c.action, c.subject) for c in opened] == [("opened", "scheduler")]
    assert [c.action for c in _run_minutes(engine, settings, T0 + timedelta(minutes=31), 2, "heartbeat")] == ["closed"]
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(Incident).where(Incident.kind == "heartbeat")) == 1


def test_two_checkers_racing_open_one_incident(engine, settings):
    """The partial unique index, not the read before it, is what keeps an incident single."""
    from relay.ops.incidents import Trouble, _open

    trouble = Trouble("source", "x", T0, "")
    with transaction(engine) as s:
        assert _open(s, trouble, T0) is not None
    with transaction(engine) as s:
        assert _open(s, trouble, T0 + timedelta(minutes=1)) is None
        assert s.scalar(select(func.count()).select_from(Incident)) == 1
