"""The sender against a real, misbehaving SMTP server: every message ends in a final state with its reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from relay.db import transaction
from relay.delivery.batch import CHUNK
from relay.delivery.worker import send_all, send_due
from relay.models import FINAL_STATUSES, Attempt, Message, ReceiptEvent, utcnow
from tests.delivery.faults import Fault, FaultServer
from tests.delivery.helpers import queue, with_smtp

T0 = utcnow().replace(microsecond=0)


def _messages(engine) -> dict[str, Message]:
    with transaction(engine) as session:
        return {m.to_address: m for m in session.scalars(select(Message))}


def _events(engine, kind: str) -> list[ReceiptEvent]:
    with transaction(engine) as session:
        return list(session.scalars(select(ReceiptEvent).where(ReceiptEvent.kind == kind)))


def test_it_sends_and_records_the_servers_own_words(engine, settings):
    with FaultServer() as server:
        queue(engine, ["a@voss.test", "b@voss.test"], now=T0)
        report = send_all(engine=engine, settings=with_smtp(settings, host="127.0.0.1", port=server.port),
                          worker="t", now=T0)
    assert report.sent == 2, report
    message = _messages(engine)["a@voss.test"]
    assert message.status == "sent" and message.last_reply.startswith("250 2.0.0 Ok: queued as Q")
    assert message.queue_id.startswith("Q") and "mx.fault.test [127.0.0.1]" in message.remote_host
    assert server.count("<m0@relay.test>") == 1
    accepted = _events(engine, "accepted")
    assert {e.dedupe_key for e in accepted} == {f"accepted:{m.id}" for m in _messages(engine).values()}
    assert accepted[0].evidence["queue_id"].startswith("Q")


def test_a_reply_that_is_not_utf8_is_kept_readable_and_spoils_nothing(engine, settings):
    """A server's reply in Latin-1 (an old Exchange, a misconfigured appliance): the bytes are the server's
    words and are kept, escaped (and a NUL, which PostgreSQL refuses); before, they became text the
    database refused, and that group commit failed for every message in it."""
    odd = Fault(raw="250-Mottatt av Tromsø kommune\x00\r\n".encode("latin-1"))
    with FaultServer({"a@tromso.test": odd}) as server:
        queue(engine, ["a@tromso.test", "b@tromso.test"], now=T0)
        report = send_all(engine=engine, settings=with_smtp(settings, host="127.0.0.1", port=server.port),
                          worker="t", now=T0)
    assert report.sent == 2, report
    messages = _messages(engine)
    assert messages["a@tromso.test"].last_reply.startswith(
        "250 Mottatt av Troms\\xf8 kommune\\x00\n2.0.0 Ok: queued as Q")
    assert messages["b@tromso.test"].status == "sent"
    assert {e.evidence["reply"] for e in _events(engine, "accepted")} >= {messages["a@tromso.test"].last_reply}


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelined", "one-command-at-a-time"])
def test_it_fails_only_the_refused_recipient_and_goes_on_on_the_same_connection(engine, settings, pipelining):
    faults = {
        "unknown@voss.test": Fault(rcpt="550 5.1.1 No such user"),
        "relaying@voss.test": Fault(rcpt="553 5.7.1 Relaying denied"),
        "spam@voss.test": Fault(data="554 5.6.0 Message rejected"),
    }
    addresses = ["ok1@voss.test", "unknown@voss.test", "ok2@voss.test", "relaying@voss.test",
                 "spam@voss.test", "ok3@voss.test"]
    with FaultServer(faults, pipelining=pipelining) as server:
        queue(engine, addresses, now=T0)
        # One lane: every message shares one connection, so a refusal must not spoil the next.
        report = send_all(engine=engine, worker="t", now=T0,
                          settings=with_smtp(settings, host="127.0.0.1", port=server.port, concurrency=1))
    messages = _messages(engine)
    assert [messages[a].status for a in ("ok1@voss.test", "ok2@voss.test", "ok3@voss.test")] == ["sent"] * 3
    assert messages["unknown@voss.test"].status == "permanent-failure"
    assert messages["unknown@voss.test"].last_reply == "550 5.1.1 No such user"
    assert messages["spam@voss.test"].status == "permanent-failure"
    assert report.permanent_failure == 3 and report.sent == 3
    assert server.handler.sessions == 1  # refusals were followed by RSET, not by a new connection
    classes = {e.message_id: e.evidence["class"] for e in _events(engine, "bounced")}
    assert classes[messages["relaying@voss.test"].id] == "policy"  # 5.7.x: Relay's problem, not the address
    assert classes[messages["unknown@voss.test"].id] == "address"
    assert classes[messages["spam@voss.test"].id] == "content"


def test_it_retries_4xx_with_backoff_until_the_deadline_then_temporary_failure(engine, settings):
    faults = {"full@voss.test": Fault(rcpt="452 4.2.2 Mailbox full"),
              "grey@voss.test": Fault(rcpt="451 4.7.1 Greylisted", times=1)}
    smtp = dict(host="127.0.0.1", concurrency=1)
    with FaultServer(faults) as server:
        queue(engine, ["full@voss.test", "grey@voss.test"], now=T0, deadline_hours=2)
        cfg = with_smtp(settings, port=server.port, **smtp)
        now = T0
        for _ in range(20):  # the clock is ours: jump to each next attempt
            send_all(engine=engine, settings=cfg, worker="t", now=now)
            messages = _messages(engine)
            if all(m.status in FINAL_STATUSES for m in messages.values()):
                break
            now = min(m.next_attempt_at for m in messages.values() if m.status == "queued")
    full, grey = messages["full@voss.test"], messages["grey@voss.test"]
    assert grey.status == "sent" and grey.attempts == 2
    assert full.status == "temporary-failure"
    assert full.last_reply == "retry deadline passed; last reply: 452 4.2.2 Mailbox full"
    assert now == T0 + timedelta(hours=2)  # the last try lands on the deadline itself
    with transaction(engine) as session:
        tries = session.scalars(select(Attempt).where(Attempt.message_id == full.id).order_by(Attempt.number)).all()
    gaps = [(b.started_at - a.started_at).total_seconds() for a, b in zip(tries, tries[1:], strict=False)]
    assert 50 <= gaps[0] <= 70 and gaps[1] > gaps[0] and max(gaps) <= 3600
    assert len(_events(engine, "deferred")) == full.attempts + 1


def test_it_treats_421_as_back_pressure_and_gives_back_what_it_did_not_try(engine, settings):
    with FaultServer({"busy@voss.test": Fault(rcpt="421 4.7.0 Too many connections", times=1)}) as server:
        queue(engine, ["busy@voss.test", "next@voss.test"], now=T0)
        cfg = with_smtp(settings, host="127.0.0.1", port=server.port, concurrency=1)
        first = send_all(engine=engine, settings=cfg, worker="t", now=T0)
        messages = _messages(engine)
        assert first.retry == 1 and first.released == 1, first
        assert messages["next@voss.test"].attempts == 0  # untried, not counted against it
        send_all(engine=engine, settings=cfg, worker="t", now=T0 + timedelta(minutes=2))
    assert {m.status for m in _messages(engine).values()} == {"sent"}


def test_it_counts_a_drop_after_the_final_dot_as_a_possible_duplicate(engine, settings):
    with FaultServer({"lost@voss.test": Fault(drop="data", times=1)}) as server:
        queue(engine, ["lost@voss.test"], now=T0)
        cfg = with_smtp(settings, host="127.0.0.1", port=server.port)
        first = send_all(engine=engine, settings=cfg, worker="t", now=T0)
        send_all(engine=engine, settings=cfg, worker="t", now=T0 + timedelta(minutes=5))
    message = _messages(engine)["lost@voss.test"]
    assert first.retry == 1 and first.possible_duplicates == 1
    assert message.status == "sent" and message.possible_duplicates == 1
    assert server.count("<m0@relay.test>") == 2  # the server had it the first time: a real duplicate, counted


def test_it_retries_a_slow_server_and_a_dropped_rcpt(engine, settings):
    faults = {"slow@voss.test": Fault(delay=1.0, times=1), "drop@voss.test": Fault(drop="rcpt", times=1)}
    with FaultServer(faults) as server:
        queue(engine, ["slow@voss.test", "drop@voss.test"], now=T0)
        cfg = with_smtp(settings, host="127.0.0.1", port=server.port, timeout=0.3)
        send_all(engine=engine, settings=cfg, worker="t", now=T0)
        messages = _messages(engine)
        assert {m.status for m in messages.values()} == {"queued"}
        assert "SMTPReadTimeoutError during DATA" in messages["slow@voss.test"].last_reply
        assert messages["drop@voss.test"].possible_duplicates == 0  # dropped before DATA: certainly not sent
        send_all(engine=engine, settings=cfg, worker="t", now=T0 + timedelta(minutes=5))
    assert {m.status for m in _messages(engine).values()} == {"sent"}


def test_it_stops_at_once_when_our_smarthost_refuses_authentication(engine, settings):
    with FaultServer(refuse_auth=True) as server:
        queue(engine, ["a@voss.test", "b@voss.test", "c@voss.test"], now=T0)
        cfg = with_smtp(settings, host="127.0.0.1", port=server.port, username="relay", password="wrong",
                        concurrency=1)
        report = send_all(engine=engine, settings=cfg, worker="t", now=T0)
    assert report.auth_failed and report.technical_failure == 1 and report.released == 2
    failed = [m for m in _messages(engine).values() if m.status == "technical-failure"]
    assert len(failed) == 1 and failed[0].last_reply.startswith("535")


def test_it_ends_unreachable_messages_as_temporary_failures_at_the_deadline(engine, settings):
    queue(engine, ["a@voss.test", "b@voss.test"], now=T0, deadline_hours=1)
    cfg = with_smtp(settings, host="127.0.0.1", port=1, concurrency=1)  # nothing listens on port 1
    now = T0
    for _ in range(30):
        send_all(engine=engine, settings=cfg, worker="t", now=now)
        queued = [m for m in _messages(engine).values() if m.status == "queued"]
        if not queued:
            break
        now = min(m.next_attempt_at for m in queued)
    for message in _messages(engine).values():
        assert message.status == "temporary-failure", message.last_reply
        assert message.last_reply.startswith("retry deadline passed")


async def test_it_pushes_back_messages_over_the_domain_rate_without_counting_an_attempt(engine, settings):
    with FaultServer() as server:
        queue(engine, ["a@bergen.test", "b@bergen.test", "c@bergen.test", "d@voss.test"], now=T0)
        cfg = with_smtp(settings, host="127.0.0.1", port=server.port, concurrency=1, domain_rate_per_minute=2)
        report = await send_due(engine=engine, settings=cfg, worker="t", now=T0)
    messages = _messages(engine)
    assert report.sent == 3 and report.pushed_back == 1
    assert messages["c@bergen.test"].status == "queued" and messages["c@bergen.test"].attempts == 0
    assert messages["c@bergen.test"].next_attempt_at == T0 + timedelta(seconds=30)  # 2/min: one token per 30 s


def test_it_carries_lines_that_start_with_a_dot_and_bare_line_ends_intact(engine, settings):
    from relay.delivery.outbox import enqueue

    mime = (b"From: relay@relay.test\r\nTo: a@voss.test\r\nMessage-ID: <dots@relay.test>\r\nSubject: x\r\n\r\n"
            b".first line\r\n.\r\nlast\nbare")
    with transaction(engine) as session:
        enqueue(session=session, purpose_key="test:dots", kind="alert", to_address="a@voss.test",
                envelope_from="bounces@relay.test", message=mime, subject="x", message_id_header="<dots@relay.test>",
                now=T0)
    with FaultServer() as server:
        send_all(engine=engine, settings=with_smtp(settings, host="127.0.0.1", port=server.port), worker="t", now=T0)
    [(_, _, received)] = server.received
    assert received.split(b"\r\n\r\n", 1)[1] == b".first line\r\n.\r\nlast\r\nbare\r\n"


def test_it_records_the_lanes_chunks_together_in_group_commits(engine, settings):
    """Four lanes, one chunk each: with a transaction per lane and chunk this drain took 11 commits;
    grouped, the four starts share one and the four outcome records at most four."""
    commits = []

    def count(_connection):
        commits.append(1)

    queue(engine, [f"r{i}@k{i % 7}.voss.test" for i in range(4 * CHUNK)], now=T0)
    event.listen(engine, "commit", count)  # after queueing: its commit is not the drain's
    with FaultServer() as server:
        report = send_all(engine=engine, worker="t", now=T0,
                          settings=with_smtp(settings, host="127.0.0.1", port=server.port, concurrency=4,
                                             domain_rate_per_minute=100_000))
    event.remove(engine, "commit", count)
    assert report.sent == 4 * CHUNK, report
    assert server.handler.sessions == 4  # every lane took a chunk
    # claim, one grouped start, one to four grouped records, and the empty claim that ends the drain
    assert len(commits) <= 1 + 1 + 4 + 1, len(commits)
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(Attempt).where(Attempt.outcome == "sent")) == 4 * CHUNK
