"""A signed link's token never reaches the log: the web layer logs the route's path template
("/a/{token}"), not the path the browser asked for, because the path of a signed link is its key."""

from __future__ import annotations

import logging

import pytest
from fastapi.routing import APIRoute
from starlette.testclient import TestClient

from relay import links, tokens
from relay.receipts import pixel
from relay.web.routes import MODULES
from tests.web.conftest import csrf_of

# One well-signed token per signed-link route whose payload the handler cannot use: (method, path template,
# purpose, payload). Such a link answers 'invalid' (tests/web/test_signed_link_payloads.py); to reach the
# app's "unhandled error" log line, the test below makes reading any token fail unexpectedly.
BROKEN_LINKS = [
    ("GET", "/a/{token}", links.ACK, {"a": "not-a-number", "c": 1}),
    ("POST", "/a/{token}", links.ACK, {"a": "not-a-number", "c": 1}),
    ("GET", "/c/{token}", links.CLICK, {"s": "not-a-number", "u": "https://hudoc.echr.coe.int/x"}),
    ("GET", "/o/{token}.gif", pixel.PURPOSE, {}),
    ("GET", "/p/{token}", links.PREFERENCES, {"c": "not-a-number"}),
    ("POST", "/p/{token}", links.PREFERENCES, {"c": "not-a-number"}),
    ("GET", "/u/{token}", links.UNSUBSCRIBE, {"c": "not-a-number"}),
    ("POST", "/u/{token}", links.UNSUBSCRIBE, {"c": "not-a-number"}),
    ("GET", "/confirm/{token}", "confirm", {"c": "not-a-number"}),
    ("POST", "/confirm/{token}", "confirm", {"c": "not-a-number"}),
    ("POST", "/login/{token}", links.LOGIN, {"no": "jti"}),
    ("GET", "/s/{token}", "survey", {"i": "not-a-number"}),
    ("POST", "/s/{token}", "survey", {"i": "not-a-number"}),
]
# The confirmation page only puts the token into its form (the button spends it): nothing there can fail.
NOTHING_TO_BREAK = {("GET", "/login/{token}")}


def _everything_logged(records) -> str:
    """Every line the service logged (not the test client's own httpx lines about its requests)."""
    formatter = logging.Formatter()
    return "\n".join(f"{formatter.format(r)} {vars(r)!r}" for r in records if not r.name.startswith("httpx"))


def test_every_route_with_a_token_in_its_path_is_checked_here():
    checked = {(method, template) for method, template, _, _ in BROKEN_LINKS}
    with_token = {(method, route.path) for module in MODULES for route in module.router.routes
                  if isinstance(route, APIRoute) and "{token}" in route.path
                  for method in route.methods - {"HEAD"}}
    assert with_token == checked | NOTHING_TO_BREAK


@pytest.mark.parametrize(("method", "template", "purpose", "payload"), BROKEN_LINKS,
                         ids=[f"{m} {t}" for m, t, _, _ in BROKEN_LINKS])
def test_an_error_behind_a_signed_link_logs_the_route_not_the_token(app, world, settings, caplog, monkeypatch,
                                                                     method, template, purpose, payload):
    token = tokens.sign(settings.signing_keys(), purpose, payload)
    path = template.replace("{token}", token)
    anon = TestClient(app, base_url="https://relay.test", raise_server_exceptions=False)  # the 500 page
    data = {"csrf_token": csrf_of(anon)} if method == "POST" else None

    def fails(*args, **kwargs):  # an unexpected failure while the token is in hand (a bug, a library's error)
        raise RuntimeError("reading the token failed")

    monkeypatch.setattr(tokens.URLSafeTimedSerializer, "loads", fails)
    caplog.set_level(logging.DEBUG)
    answer = anon.request(method, path, data=data)
    assert answer.status_code == 500
    unhandled = [r for r in caplog.records if r.getMessage() == "unhandled error"]
    assert [r.path for r in unhandled] == [template]
    assert token not in _everything_logged(caplog.records)


@pytest.mark.parametrize(("method", "template", "purpose", "payload"), BROKEN_LINKS,
                         ids=[f"{m} {t}" for m, t, _, _ in BROKEN_LINKS])
def test_a_broken_payload_behind_a_signed_link_is_refused_and_not_logged(app, world, settings, caplog,
                                                                          method, template, purpose, payload):
    token = tokens.sign(settings.signing_keys(), purpose, payload)
    anon = TestClient(app, base_url="https://relay.test", raise_server_exceptions=False)
    data = {"csrf_token": csrf_of(anon)} if method == "POST" else None
    caplog.set_level(logging.DEBUG)
    answer = anon.request(method, template.replace("{token}", token), data=data)
    assert 400 <= answer.status_code < 500
    assert not [r for r in caplog.records if r.getMessage() == "unhandled error"]
    assert token not in _everything_logged(caplog.records)


def test_a_value_out_of_range_behind_a_signed_link_logs_the_route_not_the_token(client_for, settings, engine,
                                                                                 world, caplog, monkeypatch):
    """PostgreSQL refuses the NUL byte (DataError); on SQLite the driver's OverflowError (what a huge
    number does there) is raised where the acknowledgement is stored: a link's own ids are checked before
    any query, so a link can no longer carry one (tests/web/test_signed_link_payloads.py)."""
    postgres = engine.dialect.name == "postgresql"
    if not postgres:
        from relay.web.pages.public import receipts

        def overflows(**kwargs):
            raise OverflowError("Python int too large to convert to SQLite INTEGER")

        monkeypatch.setattr(receipts, "acknowledge", overflows)
    path = links.ack_url(settings, alert_id=world.alert_a, contact_id=world.contact).replace("https://relay.test", "")
    anon = client_for("anonymous")
    caplog.set_level(logging.DEBUG)
    answer = anon.post(path, data={"csrf_token": csrf_of(anon), "comment": "a\x00b" if postgres else "fine"})
    assert answer.status_code == 400
    out_of_range = [r for r in caplog.records if r.getMessage() == "value out of range"]
    assert [r.path for r in out_of_range] == ["/a/{token}"]
    assert path.rsplit("/", 1)[1] not in _everything_logged(caplog.records)
