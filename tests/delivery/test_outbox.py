"""Enqueue, claim, leases and the Maildir fallback."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes

from sqlalchemy import select

from relay.db import transaction
from relay.delivery.claim import LEASE, claim_due, sweep_expired_leases
from relay.delivery.outbox import count_by_status, enqueue, list_failing
from relay.delivery.transitions import INTERRUPTED
from relay.delivery.worker import send_all
from relay.models import Attempt, Message, utcnow
from tests.delivery.faults import FaultServer
from tests.delivery.helpers import build, queue, with_smtp

T0 = utcnow().replace(microsecond=0)


def test_it_keeps_one_row_when_the_same_purpose_is_enqueued_twice(engine):
    [first] = queue(engine, ["a@voss.test"], now=T0)
    with transaction(engine) as session:
        again = enqueue(session=session, purpose_key="test:m0", kind="digest", to_address="other@voss.test",
                        envelope_from="x@relay.test", message=build("other@voss.test", "other"), subject="other",
                        message_id_header="<other@relay.test>", now=T0 + timedelta(hours=1))
        assert again.id == first and again.to_address == "a@voss.test" and again.kind == "alert"
        assert session.scalar(select(Message.mime).where(Message.id == first)).startswith(b"From: Relay")
        assert count_by_status(session=session) == {"queued": 1}
        assert again.deadline_at == T0 + timedelta(hours=72)


def test_it_lets_only_one_worker_claim_a_message(engine):
    queue(engine, ["a@voss.test", "b@voss.test", "c@voss.test"], now=T0)
    with transaction(engine) as session:
        mine = claim_due(session=session, worker="w1", now=T0, batch=2)
    with transaction(engine) as session:
        theirs = claim_due(session=session, worker="w2", now=T0, batch=10)
        assert claim_due(session=session, worker="w3", now=T0, batch=10) == []
    assert len(mine) == 2 and len(theirs) == 1 and not set(mine) & set(theirs)
    with transaction(engine) as session:
        row = session.get(Message, theirs[0])
        assert (row.status, row.claimed_by, row.lease_until) == ("sending", "w2", T0 + LEASE)


def test_it_does_not_claim_messages_that_are_not_due(engine):
    queue(engine, ["a@voss.test"], now=T0 + timedelta(minutes=1))
    with transaction(engine) as session:
        assert claim_due(session=session, worker="w", now=T0, batch=10) == []


def test_it_sweeps_a_crashed_workers_claims_back_and_counts_the_open_attempt(engine, settings):
    [mid] = queue(engine, ["a@voss.test"], now=T0)
    with transaction(engine) as session:  # a worker claims, starts an attempt, then dies
        claim_due(session=session, worker="dead", now=T0, batch=10)
        session.add(Attempt(message_id=mid, number=1, worker="dead", started_at=T0, outcome="started"))
        session.get(Message, mid).attempts = 1
    with transaction(engine) as session:
        assert sweep_expired_leases(session=session, now=T0 + LEASE - timedelta(seconds=1)) == 0
        assert sweep_expired_leases(session=session, now=T0 + LEASE + timedelta(seconds=1)) == 1
        row = session.get(Message, mid)
        assert (row.status, row.claimed_by, row.last_reply) == ("queued", None, "lease expired; was claimed by dead")
    with FaultServer() as server:
        report = send_all(engine=engine, settings=with_smtp(settings, host="127.0.0.1", port=server.port),
                          worker="t", now=T0 + LEASE)
    assert report.sent == 1 and report.possible_duplicates == 1
    with transaction(engine) as session:
        row = session.get(Message, mid)
        assert (row.status, row.attempts, row.possible_duplicates) == ("sent", 2, 1)
        first = session.scalars(select(Attempt).where(Attempt.number == 1)).one()
        assert (first.outcome, first.reply) == ("retry", INTERRUPTED)


def test_it_writes_to_the_maildir_when_no_smtp_host_is_set(engine, settings):
    queue(engine, ["a@voss.test", "b@voss.test"], now=T0)
    report = send_all(engine=engine, settings=settings, worker="t", now=T0)
    assert report.sent == 2
    new = sorted((settings.maildir_path / "new").iterdir())
    assert len(new) == 2 and not list((settings.maildir_path / "tmp").iterdir())
    assert message_from_bytes(new[0].read_bytes())["Message-ID"] == "<m0@relay.test>"
    with transaction(engine) as session:
        row = session.scalars(select(Message).where(Message.to_address == "a@voss.test")).one()
        assert row.status == "sent" and row.last_reply == f"written to maildir {new[0]}"
        assert list_failing(session=session) == []


def test_it_does_not_write_a_maildir_file_twice_for_one_message(engine, settings):
    [mid] = queue(engine, ["a@voss.test"], now=T0)
    send_all(engine=engine, settings=settings, worker="t", now=T0)
    with transaction(engine) as session:  # as if the commit of "sent" had been lost in a crash
        row = session.get(Message, mid)
        row.status = "queued"
    send_all(engine=engine, settings=settings, worker="t", now=T0)
    assert len(list((settings.maildir_path / "new").iterdir())) == 1


def test_a_message_without_its_bytes_ends_with_the_reason_and_the_rest_are_sent(engine, settings):
    """The bytes live in message_body (migration 0009); a message row without one is nothing to send."""
    from relay.models import MessageBody

    broken, fine = queue(engine, ["a@voss.test", "b@voss.test"], now=T0)
    with transaction(engine) as session:
        session.execute(MessageBody.__table__.delete().where(MessageBody.message_id == broken))
    send_all(engine=engine, settings=settings, worker="t", now=T0)
    with transaction(engine) as session:
        assert [(m.status, m.last_reply, m.claimed_by) for m in (session.get(Message, broken),)] == [
            ("technical-failure", "message body missing", None)]
        assert session.get(Message, fine).status == "sent"
    assert len(list((settings.maildir_path / "new").iterdir())) == 1


def test_the_bytes_are_stored_beside_the_message_and_read_back_through_it(engine):
    with transaction(engine) as session:
        message = enqueue(session=session, purpose_key="p:1", kind="alert", to_address="a@voss.test",
                          envelope_from="b@relay.test", message=b"To: a@voss.test\r\n\r\nHei", subject="s",
                          message_id_header="<p1@relay.test>")
        assert message.mime == b"To: a@voss.test\r\n\r\nHei"
        message.mime = b""  # as erasure does
    with transaction(engine) as session:
        from relay.models import MessageBody

        assert session.get(MessageBody, message.id).mime == b""
        assert session.scalar(select(Message.mime).where(Message.id == message.id)) == b""
        session.delete(session.get(Message, message.id))
    with transaction(engine) as session:
        assert session.get(MessageBody, message.id) is None  # deleted with its message
