"""save_contact when another request creates the same row at the same moment, and when an address that is
still pending is signed up again.

The races are interleaved by hand on the real database (a SQLite file, or PostgreSQL): this request has
read "no such row" and is about to insert it when the rival request runs to its commit. The loser must end
as if it had come a moment later, not with the unique constraint's IntegrityError (a 500 on the pages).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from relay.contacts import confirm_contact, save_contact
from relay.db import transaction
from relay.models import Contact, Organisation, Subscription
from tests import factories

SECTORS = {"child-welfare", "education", "health-care", "housing"}
ADDRESS = "kari@voss.kommune.no"


@contextmanager
def rival_commits_before_insert(engine, table: str, rival: Callable[[Session], object]) -> Iterator[list[str]]:
    """Run `rival` in its own transaction, on another connection, right before this test's first INSERT into
    `table`: the moment when both requests have found nothing and both are about to insert. Yields the
    statements it fired on, so a test can show the interleaving happened.

    Where this request already holds a row lock the rival needs (PostgreSQL: save_contact locks the
    contact row), the rival waits for this request's commit instead: that is the fix working, and the
    outcome must be the same."""
    fired: list[str] = []
    rivals: list[threading.Thread] = []
    failures: list[BaseException] = []

    def run_rival() -> None:
        try:
            with transaction(engine) as other:
                rival(other)
        except BaseException as exc:  # re-raised in the test's thread
            failures.append(exc)

    def before_insert(conn, cursor, statement, parameters, context, executemany):
        if not fired and statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()} "):
            fired.append(statement)
            rivals.append(threading.Thread(target=run_rival))
            rivals[0].start()
            rivals[0].join(2)  # done by now unless it waits for a lock this request holds

    event.listen(engine, "before_cursor_execute", before_insert)
    try:
        yield fired
    finally:
        event.remove(engine, "before_cursor_execute", before_insert)
        for thread in rivals:
            thread.join(30)
    if failures:
        raise failures[0]


def sign_up(session: Session, municipality_id: int, sectors: list[str], *, status="pending", frequency="weekly",
            email=ADDRESS) -> Contact:
    return save_contact(session=session, municipality=session.get(Organisation, municipality_id), email=email,
                        name="Kari", sectors=sectors, frequency=frequency, known_sectors=SECTORS, status=status,
                        actor="test")


def stored(engine, email=ADDRESS) -> list[tuple[str, dict[str, tuple[str, bool]]]]:
    """Every contact row for the address: (status, sector → (frequency, active))."""
    with transaction(engine) as s:
        return [(c.status, {x.sector: (x.frequency, x.active) for x in c.subscriptions})
                for c in s.scalars(select(Contact).where(Contact.email == email))]


@pytest.fixture
def voss(engine) -> int:
    with transaction(engine) as s:
        return factories.make_municipality(s, code="4621", name="Voss", mail_domains="voss.kommune.no").id


def test_two_first_signups_at_once_leave_one_contact_with_the_later_choice(engine, voss):
    with rival_commits_before_insert(engine, "contact", lambda other: sign_up(other, voss, ["child-welfare"])) as fired:
        with transaction(engine) as s:
            sign_up(s, voss, ["housing"], frequency="immediate")

    assert fired, "the rival did not run between the read and the insert"
    assert stored(engine) == [("pending", {"child-welfare": ("weekly", False), "housing": ("immediate", True)})]


def test_two_requests_adding_one_sector_at_once_leave_one_subscription_row(engine, voss):
    with transaction(engine) as s:
        sign_up(s, voss, ["child-welfare"])
    both = ["child-welfare", "health-care"]

    with rival_commits_before_insert(engine, "subscription", lambda other: sign_up(other, voss, both)) as fired:
        with transaction(engine) as s:
            sign_up(s, voss, both)

    assert fired
    assert stored(engine) == [("pending", {"child-welfare": ("weekly", True), "health-care": ("weekly", True)})]
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(Subscription)) == 2


def test_a_governor_adding_an_address_a_signup_created_meanwhile_makes_it_active(engine, voss):
    """The contacts page and the CSV import call save_contact too, and lose the same race the same way."""
    with rival_commits_before_insert(engine, "contact", lambda other: sign_up(other, voss, ["housing"])) as fired:
        with transaction(engine) as s:
            sign_up(s, voss, ["education"], status="active")

    assert fired
    # The stranger's unconfirmed choice (housing) is replaced by the governor's, not activated with it.
    assert stored(engine) == [("active", {"housing": ("weekly", False), "education": ("weekly", True)})]


def test_a_governor_adding_a_pending_address_starts_only_the_governors_choice(engine, voss):
    with transaction(engine) as s:
        sign_up(s, voss, ["housing", "health-care"], frequency="immediate")
    with transaction(engine) as s:
        contact = sign_up(s, voss, ["health-care", "education"], status="active")
        assert contact.confirmed_at is not None  # the office vouches for it now

    assert stored(engine) == [("active", {"housing": ("immediate", False), "health-care": ("weekly", True),
                                          "education": ("weekly", True)})]


def test_a_second_pending_signup_replaces_the_first_choice(engine, voss):
    with transaction(engine) as s:
        contact_id = sign_up(s, voss, ["child-welfare", "health-care"]).id
    with transaction(engine) as s:
        sign_up(s, voss, ["health-care", "housing"], frequency="monthly")

    assert stored(engine) == [("pending", {"child-welfare": ("weekly", False), "health-care": ("monthly", True),
                                           "housing": ("monthly", True)})]
    with transaction(engine) as s:
        confirm_contact(session=s, contact_id=contact_id)
    assert stored(engine) == [("active", {"child-welfare": ("weekly", False), "health-care": ("monthly", True),
                                          "housing": ("monthly", True)})]


def test_a_sector_chosen_again_keeps_its_subscription_row(engine, voss):
    with transaction(engine) as s:
        sign_up(s, voss, ["child-welfare", "health-care"])
    with transaction(engine) as s:
        first = s.scalars(select(Subscription.id).where(Subscription.sector == "health-care")).one()
    with transaction(engine) as s:
        sign_up(s, voss, ["health-care"])
    with transaction(engine) as s:
        assert s.scalars(select(Subscription.id).where(Subscription.sector == "health-care")).one() == first
    assert stored(engine) == [("pending", {"child-welfare": ("weekly", False), "health-care": ("weekly", True)})]


def test_a_pending_signup_leaves_an_active_contact_unchanged(engine, voss):
    with transaction(engine) as s:
        sign_up(s, voss, ["child-welfare"], status="active")
    before = stored(engine)
    with transaction(engine) as s:
        sign_up(s, voss, ["housing"], frequency="immediate")
    assert stored(engine) == before == [("active", {"child-welfare": ("weekly", True)})]


def test_two_saves_of_one_address_in_opposite_sector_order_do_not_deadlock(engine, voss):
    """PostgreSQL locks rows: two sign-ups touching the same subscriptions in opposite orders deadlocked
    (a 500 for one of them) until saves of one address took turns on the contact row."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: there is no lock order to get wrong")

    with transaction(engine) as s:
        sign_up(s, voss, ["housing"])
    a_inside, b_inside = threading.Event(), threading.Event()
    local = threading.local()
    results: dict[str, str] = {}

    def pause_after_first_subscription_insert(conn, cursor, statement, parameters, context, executemany):
        # Each request, once it has written one subscription, waits for the other to get that far too.
        if statement.lstrip().upper().startswith("INSERT INTO SUBSCRIPTION") and not getattr(local, "paused", 0):
            local.paused = 1
            local.mine.set()
            local.theirs.wait(1)

    def run(name: str, sectors: list[str], mine, theirs, after=None) -> None:
        local.mine, local.theirs = mine, theirs
        if after is not None:
            after.wait(5)
        try:
            with transaction(engine) as s:
                sign_up(s, voss, sectors)
            results[name] = "ok"
        except Exception as exc:  # what the page would have turned into a 500
            results[name] = type(exc).__name__

    event.listen(engine, "after_cursor_execute", pause_after_first_subscription_insert)
    try:
        threads = [threading.Thread(target=run, args=("A", ["child-welfare", "education"], a_inside, b_inside)),
                   threading.Thread(target=run, args=("B", ["education", "child-welfare"], b_inside, a_inside,
                                                      a_inside))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        event.remove(engine, "after_cursor_execute", pause_after_first_subscription_insert)
    assert results == {"A": "ok", "B": "ok"}
    [(status, subscriptions)] = stored(engine)
    assert status == "pending" and {k for k, (_, active) in subscriptions.items() if active} == {"child-welfare",
                                                                                                  "education"}
