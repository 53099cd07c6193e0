"""The API keeps its published contract: schemathesis (all checks) against /api/openapi.json.

Every operation, inputs generated from the schema (valid and invalid), as admin, governor, ministry
and anonymous: each answer's status must be one the schema declares, its body must match the
declared schema (validation errors included), and valid input must not be refused. Bounded
(max_examples per operation and mode) so it stays a few seconds.
"""

from __future__ import annotations

import secrets

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from relay.db import transaction
from relay.models import ApiToken
from relay.web.api import token_hash

PERSONAS = ("admin", "governor_a", "ministry", "anonymous")
EXAMPLES = 10


def _headers(engine, world, persona: str) -> dict:
    if persona == "anonymous":
        return {}
    token = "rly_" + secrets.token_urlsafe(16)
    with transaction(engine) as session:
        session.add(ApiToken(user_id=world.users[persona], name="contract", token_hash=token_hash(token)))
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.slow
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_operation_keeps_the_published_contract(app, engine, world, persona):
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    headers = _headers(engine, world, persona)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                case.call_and_validate(headers=headers)

            try:
                check()
            except Unsatisfiable:
                # No parameter to make invalid (GET /sources): there is no negative case to send.
                assert mode == GenerationMode.NEGATIVE, operation.label


def test_the_schema_names_the_configured_sectors_and_every_error_status(app):
    from relay.reports.labels import sector_names

    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app).raw_schema
    for path in ("/api/v1/items", "/api/v1/reports/national"):
        [sector] = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "sector"]
        assert sector["schema"]["anyOf"][0]["enum"] == list(sector_names("nb")), path
    for path, operations in schema["paths"].items():
        if path.startswith("/api/v1/reports/"):
            assert {"401", "403"} <= set(operations["get"]["responses"]), path
            if "{" in path:
                assert "404" in operations["get"]["responses"], path


def test_a_validation_error_has_the_published_shape(client_for, world):
    answer = client_for("ministry").get("/api/v1/items", params={"limit": "0", "sector": "no-such-sector"})
    assert answer.status_code == 422
    problems = {tuple(e["loc"]): e for e in answer.json()["detail"]}
    assert set(problems) == {("query", "limit"), ("query", "sector")}
    assert all(set(e) == {"loc", "msg", "type"} and e["msg"] and e["type"] for e in problems.values())
