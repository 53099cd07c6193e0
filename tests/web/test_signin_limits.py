"""Sign-in mails per account address: a limit kept in the message table (so every web process shares
it) that answers a stranger exactly as for an address without an account, and a lookup that happens
only after the answer is sent, so neither the page nor its timing tells which addresses have accounts."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from relay.db import transaction
from relay.delivery.outbox import enqueue
from relay.models import LoginToken, Message, User
from relay.outgoing import MAX_SIGNIN_MAILS, SIGNIN_MAIL_WINDOW, queue_signin_message, signin_mail_key
from relay.web.pages.public import login
from tests.web.conftest import csrf_of

UNKNOWN = "nobody@example.no"


pytestmark = pytest.mark.usefixtures("fresh_client_window")


def _known(engine, world) -> str:
    with transaction(engine) as s:
        return s.get(User, world.users["governor_a"]).email


def _signin_mails_to(engine, address: str) -> int:
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(Message)
                        .where(Message.kind == "signin", Message.to_address == address))


def _ask_for_link(client, email: str):
    return client.post("/login", data={"csrf_token": csrf_of(client), "email": email, "next": "/"})


def _comparable(response, address: str):
    """Status, type and body, with the form token and the typed address (which the page repeats) blanked."""
    body = re.sub(rb'name="csrf_token" value="[^"]*"', b'name="csrf_token" value=""', response.content)
    return response.status_code, response.headers["content-type"], body.replace(address.encode(), b"ADDRESS")


def _mails_from_another_process(engine, address: str, count: int) -> None:
    """Sign-in mails another web process queued: rows in the shared table, nothing in this process."""
    with transaction(engine) as s:
        for n in range(count):
            enqueue(session=s, purpose_key=f"signin:elsewhere:{n}", kind="signin", to_address=address,
                    envelope_from="bounces@relay.test", message=b"Subject: sign in\r\n\r\nlink\r\n",
                    subject="sign in", message_id_header=f"<elsewhere-{n}@relay.test>")


def _let_time_pass(engine, by: timedelta) -> None:
    """Every mail and link is `by` older (in Python: date arithmetic in SQL differs between databases)."""
    with transaction(engine) as s:
        for row in [*s.scalars(select(Message)), *s.scalars(select(LoginToken))]:
            row.created_at -= by


def test_it_queues_no_mail_over_the_limit_and_answers_as_for_an_unknown_address(client_for, engine, world, caplog):
    known = _known(engine, world)
    anon = client_for("anonymous")
    for _ in range(MAX_SIGNIN_MAILS):
        assert _ask_for_link(anon, known).status_code == 200
    assert _signin_mails_to(engine, known) == MAX_SIGNIN_MAILS

    caplog.set_level(logging.INFO, logger="relay.web")
    over_the_limit, unknown = _ask_for_link(anon, known), _ask_for_link(anon, UNKNOWN)
    assert _signin_mails_to(engine, known) == MAX_SIGNIN_MAILS
    assert _comparable(over_the_limit, known) == _comparable(unknown, UNKNOWN)
    (refused,) = caplog.records
    assert refused.levelno == logging.WARNING and refused.user == world.users["governor_a"]
    assert known not in str(vars(refused))


def test_it_counts_the_mails_other_processes_queued(client_for, engine, world, caplog):
    known = _known(engine, world)
    _mails_from_another_process(engine, known, MAX_SIGNIN_MAILS)
    caplog.set_level(logging.INFO, logger="relay.web")
    answer = _ask_for_link(client_for("anonymous"), known)
    assert answer.status_code == 200
    assert _signin_mails_to(engine, known) == MAX_SIGNIN_MAILS
    assert [r.getMessage() for r in caplog.records] == ["sign-in mail refused: too many for this address"]
    with transaction(engine) as s:  # refused before a link was made, not by the link limit
        assert s.scalar(select(func.count()).select_from(LoginToken)) == 0


def test_one_mail_fewer_than_the_limit_still_goes(client_for, engine, world):
    known = _known(engine, world)
    _mails_from_another_process(engine, known, MAX_SIGNIN_MAILS - 1)
    _ask_for_link(client_for("anonymous"), known)
    assert _signin_mails_to(engine, known) == MAX_SIGNIN_MAILS


def test_once_the_window_has_passed_a_mail_goes_again(client_for, engine, world):
    known = _known(engine, world)
    anon = client_for("anonymous")
    for _ in range(MAX_SIGNIN_MAILS + 1):
        _ask_for_link(anon, known)
    assert _signin_mails_to(engine, known) == MAX_SIGNIN_MAILS

    _let_time_pass(engine, SIGNIN_MAIL_WINDOW - timedelta(minutes=1))
    _ask_for_link(anon, known)
    assert _signin_mails_to(engine, known) == MAX_SIGNIN_MAILS

    _let_time_pass(engine, timedelta(minutes=2))
    _ask_for_link(anon, known)
    assert _signin_mails_to(engine, known) == MAX_SIGNIN_MAILS + 1


def test_two_processes_racing_past_the_count_queue_one_mail(engine, world, settings):
    """Both read the table before either wrote: the key names the same slot, so one row."""
    known = _known(engine, world)
    with transaction(engine) as first, transaction(engine) as second:
        keys = [signin_mail_key(session=first, to_address=known), signin_mail_key(session=second, to_address=known)]
    assert keys[0] is not None and keys[0] == keys[1]
    for key in keys:
        with transaction(engine) as s:
            queue_signin_message(session=s, settings=settings, user=s.get(User, world.users["governor_a"]),
                                 url="https://relay.test/login/x", key=key)
    assert _signin_mails_to(engine, known) == 1


def test_it_looks_the_address_up_only_after_the_answer_is_sent(app, engine, world):
    """The account is inactive while the request is answered and active from the moment the answer's
    last byte is out: it gets its mail only if the lookup happens after that moment."""
    known = _known(engine, world)
    with transaction(engine) as s:
        s.get(User, world.users["governor_a"]).active = False
    at_answer = {}

    async def activate_when_answered(scope, receive, send):
        async def send_then_activate(message):
            await send(message)
            answered = message["type"] == "http.response.body" and not message.get("more_body", False)
            if answered and scope.get("method") == "POST" and scope.get("path") == "/login":
                at_answer["mails"] = _signin_mails_to(engine, known)
                with transaction(engine) as s:
                    s.get(User, world.users["governor_a"]).active = True

        await app(scope, receive, send_then_activate)

    client = TestClient(activate_when_answered, base_url="https://relay.test")
    try:
        assert _ask_for_link(client, known).status_code == 200
    finally:
        client.close()
    assert at_answer == {"mails": 0}
    assert _signin_mails_to(engine, known) == 1


def test_the_per_client_window_keeps_only_the_most_recently_seen_clients(monkeypatch):
    """A long-running process must not keep every client address that ever asked, nor slow down with them."""
    monkeypatch.setattr(login, "MAX_CLIENTS_KEPT", 3)
    clock = iter(range(100))
    monkeypatch.setattr(login, "time", SimpleNamespace(monotonic=lambda: float(next(clock))))

    def request_from(host: str):
        return SimpleNamespace(client=SimpleNamespace(host=host))

    for host in ("a", "b", "c", "a", "d"):  # a is seen again, so b is the least recently seen when d comes
        assert not login._rate_limited(request_from(host))
    assert list(login._attempts) == ["c", "a", "d"]
    assert len(login._attempts["a"]) == 2  # a's window survived being seen again
    for _ in range(10):
        login._rate_limited(request_from("d"))
    assert login._rate_limited(request_from("d"))  # the limit still counts for a kept client
