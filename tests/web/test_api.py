"""The JSON API: bearer tokens, the same role rules as the pages, and the schema it publishes."""

from __future__ import annotations

import secrets

import pytest

from relay.db import transaction
from relay.models import ApiToken
from relay.web.api import token_hash


def _token(engine, user_id: int, *, revoked=False) -> str:
    token = "rly_" + secrets.token_urlsafe(24)
    with transaction(engine) as s:
        s.add(ApiToken(user_id=user_id, name="test", token_hash=token_hash(token), revoked=revoked))
    return token


@pytest.fixture
def bearer(app, engine, world):
    from starlette.testclient import TestClient

    def make(persona: str, **kwargs) -> TestClient:
        token = _token(engine, world.users[persona], **kwargs)
        return TestClient(app, base_url="https://relay.test", headers={"Authorization": f"Bearer {token}"})

    return make


def test_items_come_with_their_tags_and_evidence(bearer, world):
    api = bearer("ministry")
    listing = api.get("/api/v1/items")
    assert listing.status_code == 200
    assert [i["id"] for i in listing.json()["items"]].count(world.item) == 1
    item = api.get(f"/api/v1/items/{world.item}").json()
    tag = item["tags"][0]
    assert tag["sector"] == "child-welfare" and tag["evidence"][0]["rule"] == "cw.care-order"
    (start, end), = tag["evidence"][0]["positions"]
    assert item["title"][start:end] == "care order"


def test_a_governor_sees_only_the_offices_alerts(bearer, world):
    api = bearer("governor_a")
    ids = [a["id"] for a in api.get("/api/v1/alerts").json()["alerts"]]
    assert ids == [world.alert_a]
    assert api.get(f"/api/v1/alerts/{world.alert_a}").status_code == 200
    assert api.get(f"/api/v1/alerts/{world.alert_b}").status_code == 403
    assert api.get(f"/api/v1/alerts?office_id={world.office_b}").json()["alerts"] == []


def test_the_ministry_sees_every_alert(bearer, world):
    data = bearer("ministry").get("/api/v1/alerts").json()
    assert {a["id"] for a in data["alerts"]} == {world.alert_a, world.alert_b} and data["total"] == 2
    one = bearer("ministry").get(f"/api/v1/alerts/{world.alert_a}").json()
    assert one["municipality_codes"] == ["4601", "4621"]


def test_tokens_are_refused_when_wrong_revoked_or_for_a_contact(app, bearer, world):
    from starlette.testclient import TestClient

    wrong = TestClient(app, base_url="https://relay.test", headers={"Authorization": "Bearer nope"})
    answer = wrong.get("/api/v1/items")
    assert answer.status_code == 401 and answer.headers["www-authenticate"].startswith("Bearer")
    assert bearer("ministry", revoked=True).get("/api/v1/items").status_code == 401
    assert bearer("contact").get("/api/v1/items").status_code == 403
    assert TestClient(app, base_url="https://relay.test").get("/api/v1/items").status_code == 401


def test_sources_are_for_the_ministry_and_admins(bearer, world):
    assert bearer("ministry").get("/api/v1/sources").status_code == 200
    assert bearer("governor_a").get("/api/v1/sources").status_code == 403


def test_a_session_cookie_also_works_for_the_api(client_for, world):
    assert client_for("governor_b").get("/api/v1/alerts").json()["alerts"][0]["id"] == world.alert_b


def test_the_openapi_schema_describes_every_api_operation(app):
    from starlette.testclient import TestClient

    schema = TestClient(app, base_url="https://relay.test").get("/api/openapi.json").json()
    paths = schema["paths"]
    assert {"/api/v1/items", "/api/v1/items/{item_id}", "/api/v1/alerts", "/api/v1/alerts/{alert_id}",
            "/api/v1/sources"} <= set(paths)
    ok = paths["/api/v1/items/{item_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/ItemOut")
    assert "TagOut" in schema["components"]["schemas"]
