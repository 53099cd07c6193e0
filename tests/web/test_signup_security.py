"""The anonymous sign-up form cannot change a contact in use, cannot flood a mailbox, cannot put the
visitor's own words into a mail from Relay, and its mails speak the language of the page used.

Anyone can post /signup with any address of a municipality's domain. So: an address that already
belongs to an active contact gets nothing changed, only (at most once an hour) its own preferences link;
a pending address gets at most one opt-in mail an hour; the answer is the same whichever case it was.
"""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email.policy import default as default_policy

import pytest
from sqlalchemy import select, update

from relay.db import transaction
from relay.models import Contact, Message, Organisation, Subscription, utcnow
from tests.web.conftest import csrf_of

PHISH = "Your mailbox will be closed - log in at https://evil.example/login to keep it"


def _open_voss(engine, world, contact_email: str | None = None) -> None:
    """Voss takes sign-ups from voss.kommune.no; the world's Voss contact gets `contact_email`."""
    with transaction(engine) as s:
        s.get(Organisation, world.munis_a[0]).mail_domains = "voss.kommune.no"
        s.get(Organisation, world.munis_a[1]).mail_domains = "bergen.kommune.no"
        if contact_email:
            s.get(Contact, world.contact).email = contact_email


def _sign_up(client, address: str, *, municipality="4621", path="/signup", **fields):
    data = {"csrf_token": csrf_of(client, "/signup"), "email": address, "name": PHISH,
            "municipality": municipality, "sectors": ["child-welfare", "health-care"], "frequency": "immediate",
            **fields}
    return client.post(path, data=data, follow_redirects=False)


def _mails(engine, to: str | None = None) -> list[email.message.EmailMessage]:
    with transaction(engine) as s:
        query = select(Message).where(Message.kind == "optin").order_by(Message.id)
        if to:
            query = query.where(Message.to_address == to)
        return [email.message_from_bytes(m.mime, policy=default_policy) for m in s.scalars(query)]


def _confirm_data(client, link: str) -> dict:
    """What the confirmation form posts: its CSRF token and the fingerprint of the choice it shows."""
    page = client.get(link)
    return {"csrf_token": csrf_of(client, link),
            "choices": re.search(r'name="choices" value="([0-9a-f]+)"', page.text).group(1)}


def _text(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def _html(mail) -> str:
    return mail.get_body(("html",)).get_content()


def _age_mails(engine, minutes: int) -> None:
    """Pretend every queued mail was queued `minutes` earlier (the interval is measured in the database)."""
    with transaction(engine) as s:
        for message in s.scalars(select(Message)):
            message.created_at = message.created_at - timedelta(minutes=minutes)


def _mails_after_another_signup(engine, client, address: str, *, minutes_later: int) -> int:
    """Sign the address up again `minutes_later` than every mail so far; the sign-up mails there are then."""
    _age_mails(engine, minutes_later)
    _sign_up(client, address)
    return len(_mails(engine))


def _subscriptions(engine, contact_id):
    with transaction(engine) as s:
        contact = s.get(Contact, contact_id)
        subs = sorted((x.sector, x.frequency, x.active, x.created_at, x.ended_at) for x in contact.subscriptions)
        return subs, contact.status, contact.name, contact.language


def test_signing_up_an_active_contacts_address_changes_none_of_its_subscriptions(client_for, engine, world):
    _open_voss(engine, world, "ola@voss.kommune.no")
    with transaction(engine) as s:
        for sub in s.get(Contact, world.contact).subscriptions:  # the contact ended child-welfare itself
            sub.active, sub.ended_at = False, utcnow()
    before = _subscriptions(engine, world.contact)

    page = _sign_up(client_for("anonymous"), "ola@voss.kommune.no")

    assert page.status_code == 200
    assert _subscriptions(engine, world.contact) == before
    with transaction(engine) as s:
        assert s.scalar(select(Contact.id).where(Contact.email == "ola@voss.kommune.no",
                                                 Contact.id != world.contact)) is None


def test_the_active_contact_gets_its_own_preferences_link_once_an_hour(client_for, engine, world):
    _open_voss(engine, world, "ola@voss.kommune.no")
    anonymous = client_for("anonymous")
    for _ in range(5):
        _sign_up(anonymous, "ola@voss.kommune.no")

    mails = _mails(engine)
    assert len(mails) == 1
    text = _text(mails[0])
    assert "/confirm/" not in text and "/confirm/" not in _html(mails[0])
    link = re.search(r"https://relay\.test/p/\S+", text).group(0)
    prefs = anonymous.get(link.replace("https://relay.test", ""))
    assert prefs.status_code == 200 and "ola@voss.kommune.no" in prefs.text  # its own page, from the mail

    assert _mails_after_another_signup(engine, anonymous, "ola@voss.kommune.no", minutes_later=61) == 2


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(client_for, engine, world):
    _open_voss(engine, world, "ola@voss.kommune.no")
    anonymous = client_for("anonymous")
    known = _sign_up(anonymous, "ola@voss.kommune.no")
    new = _sign_up(anonymous, "kari@voss.kommune.no")
    assert (known.status_code, new.status_code) == (200, 200)
    assert known.text.replace("ola@voss.kommune.no", "ADDRESS") == new.text.replace("kari@voss.kommune.no", "ADDRESS")


def test_a_pending_address_gets_one_optin_mail_an_hour(client_for, engine, world):
    _open_voss(engine, world)
    anonymous = client_for("anonymous")
    for _ in range(30):
        assert _sign_up(anonymous, "postmottak@voss.kommune.no", frequency="weekly").status_code == 200
    assert len(_mails(engine, "postmottak@voss.kommune.no")) == 1

    assert _mails_after_another_signup(engine, anonymous, "postmottak@voss.kommune.no", minutes_later=59) == 1
    assert _mails_after_another_signup(engine, anonymous, "postmottak@voss.kommune.no", minutes_later=2) == 2


def test_nothing_typed_in_the_form_reaches_a_mail(client_for, engine, world):
    _open_voss(engine, world, "ola@voss.kommune.no")
    anonymous = client_for("anonymous")
    _sign_up(anonymous, "postmottak@voss.kommune.no")  # a new, pending address
    _sign_up(anonymous, "ola@voss.kommune.no")  # an active contact
    mails = _mails(engine)
    assert len(mails) == 2
    for mail in mails:
        for part in (_text(mail), _html(mail), str(mail["Subject"])):
            assert "evil.example" not in part and "mailbox will be closed" not in part
    with transaction(engine) as s:  # the name is still kept, for the governor's pages
        assert s.scalar(select(Contact.name).where(Contact.email == "postmottak@voss.kommune.no")) == PHISH


def test_the_optin_confirmation_starts_the_chosen_subscriptions(client_for, engine, world):
    _open_voss(engine, world)
    anonymous = client_for("anonymous")
    _sign_up(anonymous, "kari@voss.kommune.no")
    link = re.search(r"https://relay\.test(/confirm/\S+)", _text(_mails(engine)[0])).group(1)
    with transaction(engine) as s:
        contact = s.scalars(select(Contact).where(Contact.email == "kari@voss.kommune.no")).one()
        assert contact.status == "pending"
    done = anonymous.post(link, data=_confirm_data(anonymous, link))
    assert done.status_code == 200
    with transaction(engine) as s:
        contact = s.scalars(select(Contact).where(Contact.email == "kari@voss.kommune.no")).one()
        assert contact.status == "active"
        assert sorted((x.sector, x.frequency, x.active) for x in contact.subscriptions) == [
            ("child-welfare", "immediate", True), ("health-care", "immediate", True)]


def test_a_signup_on_the_nynorsk_page_gets_a_nynorsk_optin_mail(client_for, engine, world):
    _open_voss(engine, world)
    anonymous = client_for("anonymous")
    anonymous.get("/signup?lang=nn")  # the page remembers the language; the form posts to plain /signup
    _sign_up(anonymous, "kari@bergen.kommune.no", municipality="4601")  # Bergen is neutral
    mail = _mails(engine)[0]
    assert mail["Content-Language"] == "nn"
    assert "Stadfest" in str(mail["Subject"])


def test_a_signup_on_the_english_page_gets_an_english_mail_also_when_already_subscribed(client_for, engine, world):
    _open_voss(engine, world, "ola@voss.kommune.no")
    anonymous = client_for("anonymous")
    _sign_up(anonymous, "kari@voss.kommune.no", path="/signup?lang=en")
    _sign_up(anonymous, "ola@voss.kommune.no", path="/signup?lang=en")
    languages = [m["Content-Language"] for m in _mails(engine)]
    assert languages == ["en", "en"]
    assert "already" in _text(_mails(engine, "ola@voss.kommune.no")[0])


def test_a_new_pending_contact_keeps_the_language_of_the_page(client_for, engine, world):
    _open_voss(engine, world)
    _sign_up(client_for("anonymous"), "kari@bergen.kommune.no", municipality="4601", path="/signup?lang=nn")
    with transaction(engine) as s:
        assert s.scalar(select(Contact.language).where(Contact.email == "kari@bergen.kommune.no")) == "nn"


def test_an_unsubscribed_contact_signs_up_again_through_the_optin(client_for, engine, world):
    _open_voss(engine, world, "ola@voss.kommune.no")
    with transaction(engine) as s:
        contact = s.get(Contact, world.contact)
        contact.status, contact.unsubscribed_at = "unsubscribed", utcnow()
        s.execute(update(Subscription).where(Subscription.contact_id == world.contact).values(active=False))
    _sign_up(client_for("anonymous"), "ola@voss.kommune.no")
    mails = _mails(engine)
    assert len(mails) == 1 and "/confirm/" in _text(mails[0])
    with transaction(engine) as s:
        assert s.get(Contact, world.contact).status == "pending"  # nothing is sent before the confirmation


def test_the_signup_page_says_why_no_municipality_is_listed(client_for, world):
    anonymous = client_for("anonymous")
    expected = {"nb": "statsforvalteren", "nn": "statsforvaltaren", "en": "county governor"}
    for lang, words in expected.items():
        page = anonymous.get(f"/signup?lang={lang}")
        assert '<option value="4621"' not in page.text
        notice = re.search(r'<div class="alert info" role="status">(.*?)</div>', page.text, re.S)
        assert notice and words in notice.group(1).lower(), lang
        assert "postmottak@sfvl.test" in notice.group(1)  # whom to ask


def test_the_signup_page_names_the_rule_also_when_municipalities_are_open(client_for, engine, world):
    _open_voss(engine, world)
    page = client_for("anonymous").get("/signup?lang=nn")
    assert '<option value="4621"' in page.text
    assert '<div class="alert info" role="status">' not in page.text
    assert "statsforvaltaren" in re.search(r'<p class="hint"[^>]*>(.*?)</p>', page.text, re.S).group(1)


@pytest.mark.browser
def test_the_signup_page_with_nothing_open_passes_axe(server, browser, engine, world):
    from tests.web.browser import WCAG_TAGS, axe, page_as

    base, settings = server
    page = page_as(browser, base, settings, engine, None)
    violations = []
    for lang in ("nb", "nn", "en"):
        page.goto(f"{base}/signup?lang={lang}")
        assert page.locator("[role=status]").count() == 1
        violations += [f"[{lang}] {v}" for v in axe(page, WCAG_TAGS)]
    assert violations == [], "\n".join(violations)
