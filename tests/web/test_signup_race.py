"""Sign-ups for one address that overlap: two at the same moment, or a second before the first is confirmed.

A sign-up that loses the race for a new address answers the page every sign-up gets (no 500, nothing that
tells whether the address existed). A stranger cannot pile sectors onto a pending address: each sign-up
replaces the pending choice, and the owner's confirmation starts only the latest one.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from relay.db import transaction
from relay.models import Contact
from tests.test_contacts_pending import rival_commits_before_insert, sign_up
from tests.web.test_signup_security import _confirm_data, _mails, _open_voss, _sign_up, _text


def _active_sectors(engine, address: str) -> tuple[str, list[tuple[str, str]]]:
    with transaction(engine) as s:
        contact = s.scalars(select(Contact).where(Contact.email == address)).one()
        return contact.status, sorted((x.sector, x.frequency) for x in contact.subscriptions if x.active)


def _confirm_from_mail(client, engine, address: str):
    link = re.search(r"https://relay\.test(/confirm/\S+)", _text(_mails(engine, address)[0])).group(1)
    return client.post(link, data=_confirm_data(client, link))


def test_a_signup_that_loses_the_race_for_a_new_address_answers_the_usual_page(client_for, engine, world):
    _open_voss(engine, world)
    anonymous = client_for("anonymous")
    usual = _sign_up(anonymous, "ola@voss.kommune.no")

    def rival(other):
        sign_up(other, world.munis_a[0], ["housing"], email="kari@voss.kommune.no")

    with rival_commits_before_insert(engine, "contact", rival) as fired:
        raced = _sign_up(anonymous, "kari@voss.kommune.no")

    assert fired, "the rival did not run between the read and the insert"
    assert (usual.status_code, raced.status_code) == (200, 200)
    assert raced.text.replace("kari@voss.kommune.no", "ADDRESS") == usual.text.replace("ola@voss.kommune.no", "ADDRESS")
    assert _active_sectors(engine, "kari@voss.kommune.no") == (
        "pending", [("child-welfare", "immediate"), ("health-care", "immediate")])
    assert len(_mails(engine, "kari@voss.kommune.no")) == 1


def test_only_the_latest_signup_before_the_confirmation_is_started(client_for, engine, world):
    _open_voss(engine, world)
    anonymous = client_for("anonymous")
    _sign_up(anonymous, "kari@voss.kommune.no", sectors=["child-welfare", "health-care"], frequency="weekly")
    _sign_up(anonymous, "kari@voss.kommune.no", sectors=["housing"], frequency="monthly")
    _sign_up(anonymous, "kari@voss.kommune.no", sectors=["education", "health-care"], frequency="immediate")
    assert len(_mails(engine, "kari@voss.kommune.no")) == 1  # the first mail's link is the one to confirm
    # The owner sees what confirming will start before saying yes, and what it started afterwards.
    link = re.search(r"https://relay\.test(/confirm/\S+)", _text(_mails(engine, "kari@voss.kommune.no")[0])).group(1)
    chosen = ["<li>Barnehage og skule: Straks</li>", "<li>Helsetenester: Straks</li>"]  # Voss writes nynorsk
    asked = anonymous.get(link)
    assert "kari@voss.kommune.no i Voss vil få varsel frå Relay om:" in asked.text
    assert [item for item in re.findall(r"<li>[^<]*</li>", asked.text) if ": " in item] == chosen

    confirmed = _confirm_from_mail(anonymous, engine, "kari@voss.kommune.no")
    assert confirmed.status_code == 200
    assert "får no varsel frå Relay om:" in confirmed.text and all(item in confirmed.text for item in chosen)

    assert _active_sectors(engine, "kari@voss.kommune.no") == (
        "active", [("education", "immediate"), ("health-care", "immediate")])


def test_signing_up_a_confirmed_address_again_changes_nothing(client_for, engine, world):
    _open_voss(engine, world)
    anonymous = client_for("anonymous")
    _sign_up(anonymous, "kari@voss.kommune.no", sectors=["housing"], frequency="monthly")
    _confirm_from_mail(anonymous, engine, "kari@voss.kommune.no")

    again = _sign_up(anonymous, "kari@voss.kommune.no", sectors=["education"], frequency="immediate")

    assert again.status_code == 200
    assert _active_sectors(engine, "kari@voss.kommune.no") == ("active", [("housing", "monthly")])


def test_the_signup_is_saved_only_after_the_answer_is_sent(app, engine, world):
    """Whether the address is new, pending or in use changes what is written, and writing takes time: so
    nothing is written until the answer's last byte is out, and the time to answer tells nothing."""
    from starlette.testclient import TestClient

    _open_voss(engine, world)
    at_answer = {}

    async def count_when_answered(scope, receive, send):
        async def send_then_count(message):
            await send(message)
            if (message["type"] == "http.response.body" and not message.get("more_body", False)
                    and scope.get("method") == "POST" and scope.get("path") == "/signup"):
                with transaction(engine) as s:
                    at_answer["contacts"] = len(s.scalars(select(Contact).where(
                        Contact.email == "kari@voss.kommune.no")).all())
                at_answer["mails"] = len(_mails(engine, "kari@voss.kommune.no"))

        await app(scope, receive, send_then_count)

    client = TestClient(count_when_answered, base_url="https://relay.test")
    try:
        assert _sign_up(client, "kari@voss.kommune.no").status_code == 200
    finally:
        client.close()
    assert at_answer == {"contacts": 0, "mails": 0}
    assert _active_sectors(engine, "kari@voss.kommune.no") == (
        "pending", [("child-welfare", "immediate"), ("health-care", "immediate")])
    assert len(_mails(engine, "kari@voss.kommune.no")) == 1


def test_a_choice_changed_after_the_page_was_opened_is_not_confirmed_unseen(client_for, engine, world):
    _open_voss(engine, world)
    owner, stranger = client_for("anonymous"), client_for("anonymous")
    _sign_up(owner, "kari@voss.kommune.no", sectors=["housing"], frequency="monthly")
    link = re.search(r"https://relay\.test(/confirm/\S+)", _text(_mails(engine, "kari@voss.kommune.no")[0])).group(1)
    seen = _confirm_data(owner, link)  # the owner opens the page: housing, monthly
    _sign_up(stranger, "kari@voss.kommune.no", sectors=["education"], frequency="immediate")

    again = owner.post(link, data=seen)
    assert again.status_code == 409
    assert "Valet er endra sidan du opna sida" in again.text and "<li>Barnehage og skule: Straks</li>" in again.text
    assert _active_sectors(engine, "kari@voss.kommune.no") == ("pending", [("education", "immediate")])

    assert owner.post(link, data=_confirm_data(owner, link)).status_code == 200  # now seen, and confirmed
    assert _active_sectors(engine, "kari@voss.kommune.no") == ("active", [("education", "immediate")])
