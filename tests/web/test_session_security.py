"""Sign-in and sessions: nothing tells a stranger which addresses have accounts, `next` stays a path
on this site (query included) through the mail, the mail speaks the page's language, sign-out ends the
session everywhere, and pages for a signed-in user or behind a signed link are never cached."""

from __future__ import annotations

import html
import logging
import re
from email import message_from_bytes, policy
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from relay import links
from relay.db import transaction
from relay.models import Message, User
from relay.users import save_user
from relay.web.app import SESSION_COOKIE
from tests.web.conftest import VESTLAND, csrf_of

UNKNOWN = "nobody@example.no"


pytestmark = pytest.mark.usefixtures("fresh_client_window")


def _email(engine, user_id: int) -> str:
    with transaction(engine) as s:
        return s.get(User, user_id).email


def _sign_in_mails(engine) -> list:
    with transaction(engine) as s:
        rows = s.scalars(select(Message).where(Message.kind == "signin").order_by(Message.id)).all()
        return [message_from_bytes(m.mime, policy=policy.default) for m in rows]


def _link_in(mail) -> str:
    text = mail.get_body(("plain",)).get_content()
    return re.search(r"https://relay\.test/login/\S+", text).group(0)


def _hidden_next(page: str) -> str:
    return html.unescape(re.search(r'name="next" value="([^"]*)"', page).group(1))


def _ask_for_link(client, email: str, next_path: str = "/"):
    return client.post("/login", data={"csrf_token": csrf_of(client), "email": email, "next": next_path})


@pytest.mark.parametrize("next_path", ["/", "/a b", "/a\tb", "/a\u200bb", "/reports?x=a b"])
def test_a_strange_next_gets_the_same_answer_for_a_known_and_an_unknown_address(client_for, engine, world,
                                                                              next_path):
    known = _email(engine, world.users["governor_a"])
    anon = client_for("anonymous")
    for_known, for_unknown = _ask_for_link(anon, known, next_path), _ask_for_link(anon, UNKNOWN, next_path)
    assert (for_known.status_code, for_unknown.status_code) == (200, 200)
    assert for_known.text.replace(known, UNKNOWN) == for_unknown.text
    # …and the known address did get its link, which the mail's link filter accepted.
    (mail,) = _sign_in_mails(engine)
    assert mail["To"] == known and _link_in(mail).startswith("https://relay.test/login/")


def test_an_account_whose_mail_cannot_be_built_gets_the_same_page_and_a_log_line(client_for, engine, world,
                                                                              caplog):
    # An address stored before addresses were checked: the mail composer refuses it.
    with transaction(engine) as s:
        s.get(User, world.users["governor_a"]).email = "gov ernor@relay.test"
    anon = client_for("anonymous")
    caplog.set_level(logging.INFO, logger="relay.web")
    for_known = _ask_for_link(anon, "gov ernor@relay.test")
    for_unknown = _ask_for_link(anon, "nobody ever@relay.test")
    assert (for_known.status_code, for_unknown.status_code) == (200, 200)
    assert for_known.text.replace("gov ernor", "nobody ever") == for_unknown.text
    assert [r.getMessage() for r in caplog.records] == ["sign-in mail not queued"]
    assert _sign_in_mails(engine) == []


@pytest.mark.parametrize("target", [
    "//evil.example", "/\\evil.example", "https://evil.example", "evil.example", "javascript:alert(1)",
    "/\t/evil.example", "/ /evil.example", "/a\nb", "/a\u2028b", "/a\u200bb", "/a\x7fb", "/" + "a" * 3000, "",
])
def test_next_other_than_a_path_on_this_site_becomes_the_front_page(client_for, target):
    page = client_for("anonymous").get("/login", params={"next": target}).text
    assert _hidden_next(page) == "/"


@pytest.mark.parametrize("target", ["/reports?county=28", "/queue/1?office=2&x=%20y", "/reports/alerts/2"])
def test_next_keeps_a_local_path_and_its_query(client_for, target):
    page = client_for("anonymous").get("/login", params={"next": target}).text
    assert _hidden_next(page) == target


def test_a_deep_link_leads_through_the_mail_back_to_the_same_page_with_its_query(client_for, engine, world):
    anon = client_for("anonymous")
    redirect = anon.get("/reports?county=28&lang=nn", follow_redirects=False)
    assert redirect.status_code == 303
    target = parse_qs(urlsplit(redirect.headers["location"]).query)["next"][0]
    assert target == "/reports?county=28&lang=nn"
    assert _hidden_next(anon.get(redirect.headers["location"]).text) == target

    _ask_for_link(anon, _email(engine, world.users["governor_a"]), target)
    link = urlsplit(_link_in(_sign_in_mails(engine)[0]))
    assert parse_qs(link.query) == {"next": [target]}  # one encoded value, not pasted into the URL
    confirm_page = anon.get(f"{link.path}?{link.query}").text
    assert _hidden_next(confirm_page) == target
    signed_in = anon.post(link.path, data={"csrf_token": csrf_of(anon), "next": _hidden_next(confirm_page)},
                          follow_redirects=False)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == target
    assert anon.get(target, follow_redirects=False).status_code == 200


@pytest.mark.parametrize("page_language", ["en", "nn"])
def test_the_sign_in_mail_speaks_the_language_of_the_page_it_was_asked_from(client_for, engine, world,
                                                                          page_language):
    anon = client_for("anonymous")
    anon.get(f"/login?lang={page_language}")  # the language links set the cookie
    _ask_for_link(anon, _email(engine, world.users["governor_a"]))
    (mail,) = _sign_in_mails(engine)
    assert mail["Content-Language"] == page_language


def test_without_a_chosen_language_the_sign_in_mail_uses_the_users_own(client_for, engine, world):
    with transaction(engine) as s:
        s.get(User, world.users["governor_a"]).language = "nn"
    _ask_for_link(client_for("anonymous"), _email(engine, world.users["governor_a"]))
    (mail,) = _sign_in_mails(engine)
    assert mail["Content-Language"] == "nn"


def _with_cookie(client_for, cookie: str):
    browser = client_for("anonymous")
    browser.cookies.set(SESSION_COOKIE, cookie)
    return browser


def _signed_in(client) -> bool:
    return client.get("/queue", follow_redirects=False).status_code == 200


def test_sign_out_ends_the_session_in_every_browser(client_for, world):
    here, elsewhere = client_for("governor_a"), client_for("governor_a")
    cookie = here.cookies.get(SESSION_COOKIE)
    assert _signed_in(here) and _signed_in(elsewhere)
    answer = here.post("/logout", data={"csrf_token": csrf_of(here, "/queue")}, follow_redirects=False)
    assert answer.status_code == 303
    assert not _signed_in(_with_cookie(client_for, cookie))  # a copied cookie is dead
    assert not _signed_in(elsewhere)  # and so is the other browser's session
    assert _signed_in(client_for("governor_a"))  # a new sign-in works


def test_deactivation_or_a_new_role_ends_the_session(client_for, engine, world):
    old = client_for("governor_a").cookies.get(SESSION_COOKIE)
    with transaction(engine) as s:
        s.get(User, world.users["governor_a"]).active = False
    with transaction(engine) as s:
        s.get(User, world.users["governor_a"]).active = True
    assert not _signed_in(_with_cookie(client_for, old))  # re-activation does not revive it

    old = client_for("governor_a").cookies.get(SESSION_COOKIE)
    with transaction(engine) as s:
        save_user(session=s, email=s.get(User, world.users["governor_a"]).email, role="ministry")
    assert _with_cookie(client_for, old).get("/reports", follow_redirects=False).status_code == 303

    with transaction(engine) as s:
        save_user(session=s, email=s.get(User, world.users["governor_a"]).email, role="governor",
                  office_org_number=VESTLAND)
    current = client_for("governor_a")
    with transaction(engine) as s:  # the same role and office written again end nothing
        save_user(session=s, email=s.get(User, world.users["governor_a"]).email, role="governor",
                  office_org_number=VESTLAND)
    assert _signed_in(current)


def test_signed_in_pages_are_not_kept_in_the_browsers_cache(client_for, world):
    gov = client_for("governor_a")
    for path in (f"/reports/alerts/{world.alert_a}", "/contacts", "/queue", "/no-such-page"):
        answer = gov.get(path)
        assert answer.headers.get("cache-control") == "no-store", path
    # Static files are the same for everyone and keep their caching; so do public pages.
    assert "no-store" not in gov.get("/static/relay.css").headers.get("cache-control", "")
    assert "no-store" not in client_for("anonymous").get("/login").headers.get("cache-control", "")


def test_pages_behind_a_signed_link_are_not_kept_in_the_browsers_cache(client_for, settings, world, engine):
    from relay.auth import create_login_link

    with transaction(engine) as s:
        login = create_login_link(session=s, settings=settings, user=s.get(User, world.users["admin"]))
    paths = [links.ack_url(settings, alert_id=world.alert_a, contact_id=world.contact),
             links.preferences_url(settings, contact_id=world.contact),
             links.unsubscribe_url(settings, contact_id=world.contact, sectors=None),
             links.confirm_url(settings, contact_id=world.contact),
             f"https://relay.test/login/{login}", "https://relay.test/a/forged-link"]
    anon = client_for("anonymous")
    for url in paths:
        answer = anon.get(url.replace("https://relay.test", ""))
        assert answer.headers.get("cache-control") == "no-store", (url, answer.status_code)
