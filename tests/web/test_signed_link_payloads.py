"""Every signed link, signed with Relay's real key but carrying a broken or wrong-typed payload, gets the
'link invalid' answer (4xx), never a server error: a good signature says who made a token, not that its
payload has the shape today's code reads (an older format, a tool holding the key, a bug elsewhere)."""

from __future__ import annotations

import pytest

from relay import links
from relay.auth import session_cookie_value
from relay.i18n import translator
from relay.receipts import pixel
from relay.surveys import links as survey_links
from relay.tokens import sign
from relay.web.app import SESSION_COOKIE
from tests.web.conftest import csrf_of

INVALID_TITLES = {translator(lang)("web.ack.invalid_title") for lang in ("nb", "nn", "en", "sv")}

# Payloads no reader expects: wrong container, missing key, wrong types, ids out of any table's range.
BROKEN_IDS = [None, [], [1, 2], "1", 7, {}, {"x": 1}, {"k": None}, {"k": "1"}, {"k": "x"}, {"k": 1.5},
              {"k": True}, {"k": -3}, {"k": 0}, {"k": 2**31}, {"k": 2**70}, {"k": [1]}, {"k": {"a": 1}}]


def _with_key(payload, key: str, others: dict | None = None):
    """Put the placeholder key 'k' of a broken payload under the reader's real key name."""
    if isinstance(payload, dict) and "k" in payload:
        return {**(others or {}), key: payload["k"]}
    return payload


def _invalid_page(response) -> bool:
    return 400 <= response.status_code < 500 and any(title in response.text for title in INVALID_TITLES)


@pytest.fixture
def anonymous(client_for):
    return client_for("anonymous")


@pytest.mark.parametrize("payload", BROKEN_IDS)
def test_acknowledgement_link(anonymous, settings, world, payload):
    for broken in (_with_key(payload, "a", {"c": world.contact}), _with_key(payload, "c", {"a": world.alert_a})):
        token = sign(settings.signing_keys(), links.ACK, broken)
        assert _invalid_page(anonymous.get(f"/a/{token}")), broken
        csrf = csrf_of(anonymous)
        assert _invalid_page(anonymous.post(f"/a/{token}", data={"csrf_token": csrf, "follow_up": "noted"})), broken


@pytest.mark.parametrize("payload", BROKEN_IDS)
def test_preferences_link(anonymous, settings, payload):
    token = sign(settings.signing_keys(), links.PREFERENCES, _with_key(payload, "c"))
    assert _invalid_page(anonymous.get(f"/p/{token}"))
    assert _invalid_page(anonymous.post(f"/p/{token}", data={"csrf_token": csrf_of(anonymous)}))


@pytest.mark.parametrize("payload", BROKEN_IDS)
def test_confirm_link(anonymous, settings, payload):
    token = sign(settings.signing_keys(), "confirm", _with_key(payload, "c"))
    assert _invalid_page(anonymous.get(f"/confirm/{token}"))
    assert _invalid_page(anonymous.post(f"/confirm/{token}", data={"csrf_token": csrf_of(anonymous)}))


@pytest.mark.parametrize("payload", BROKEN_IDS + [{"c": 1, "s": "education"}, {"c": 1, "s": [1, 2]},
                                                  {"c": 1, "s": {"a": 1}}, {"c": 1, "s": ["x" * 500]}])
def test_unsubscribe_link(anonymous, settings, world, payload):
    token = sign(settings.signing_keys(), links.UNSUBSCRIBE, _with_key(payload, "c", {"s": None}))
    assert _invalid_page(anonymous.get(f"/u/{token}"))
    # RFC 8058's one-click POST comes from the mailbox provider without our form token.
    assert _invalid_page(anonymous.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"}))


def test_a_well_formed_link_to_a_contact_no_longer_there_is_invalid_too(anonymous, settings):
    """The shape is right but the contact is gone (erased, or never existed): the same page, no 500."""
    for path, token in [("p", links.preferences_url(settings, contact_id=999_999)),
                        ("confirm", links.confirm_url(settings, contact_id=999_999)),
                        ("u", links.unsubscribe_url(settings, contact_id=999_999, sectors=None))]:
        url = token.replace(settings.base_url, "")
        data = {"csrf_token": csrf_of(anonymous)} if path != "u" else {"List-Unsubscribe": "One-Click"}
        assert _invalid_page(anonymous.post(url, data=data)), path


@pytest.mark.parametrize("payload", BROKEN_IDS)
def test_survey_answer_link(anonymous, settings, payload):
    token = sign(settings.signing_keys(), survey_links.PURPOSE, _with_key(payload, "i"))
    assert _invalid_page(anonymous.get(f"/s/{token}"))
    assert _invalid_page(anonymous.post(f"/s/{token}", data={"csrf_token": csrf_of(anonymous),
                                                             "responder_name": "Kari"}))


def test_survey_answer_link_to_no_invitation(anonymous, settings):
    url = survey_links.answer_url(settings, invitation_id=999_999).replace(settings.base_url, "")
    assert _invalid_page(anonymous.get(url))


@pytest.mark.parametrize("payload", BROKEN_IDS + [{"s": 1, "u": 5}, {"s": 1, "u": ["https://x"]}, {"s": 1, "u": ""},
                                                  {"s": 1}])
def test_click_link(anonymous, settings, payload):
    token = sign(settings.signing_keys(), links.CLICK, _with_key(payload, "s", {"u": "https://example.org/"}))
    response = anonymous.get(f"/c/{token}", follow_redirects=False)
    assert response.status_code == 404  # the site's not-found page: a click link has no page of its own


@pytest.mark.parametrize("payload", [None, [], "m", {}, {"m": 5}, {"m": ["a"]}, {"m": ""}, {"m": "x" * 300}])
def test_open_pixel_link(anonymous, settings, payload):
    token = sign(settings.signing_keys(), pixel.PURPOSE, payload)
    assert anonymous.get(f"/o/{token}.gif").status_code == 404


@pytest.mark.parametrize("payload", [None, [], "j", {}, {"j": 5}, {"j": None}, {"j": ["a"]}, {"j": {"a": 1}},
                                     {"j": "x" * 500}])
def test_sign_in_link(anonymous, settings, payload, fresh_client_window):
    token = sign(settings.signing_keys(), links.LOGIN, payload)
    response = anonymous.post(f"/login/{token}", data={"csrf_token": csrf_of(anonymous), "next": "/"},
                              follow_redirects=False)
    assert response.status_code == 400 and SESSION_COOKIE not in response.cookies


@pytest.mark.parametrize("payload", [None, [], "u", {}, {"u": "1"}, {"u": 2**70}, {"u": [1]}, {"u": True}])
def test_session_cookie(client_for, settings, payload):
    """The session cookie is signed the same way: a broken one is no session, so a page asks to sign in."""
    client = client_for("anonymous")
    client.cookies.set(SESSION_COOKIE, sign(settings.signing_keys(), "session", payload))
    response = client.get("/surveys", follow_redirects=False)
    assert response.status_code in (302, 303, 401) and "/login" in response.headers.get("location", "/login")


def test_a_real_session_still_works(client_for, engine, settings, world):
    """The check refuses the broken shapes only: a real cookie still signs in."""
    from relay.db import transaction
    from relay.models import User

    client = client_for("anonymous")
    with transaction(engine) as session:
        client.cookies.set(SESSION_COOKIE, session_cookie_value(settings, session.get(User, world.users["ministry"])))
    assert client.get("/surveys").status_code == 200
