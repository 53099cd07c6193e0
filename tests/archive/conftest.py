"""An archive world: two offices, alerts written in bokmål and nynorsk in different sectors, bodies and years."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from relay.db import transaction
from relay.web.app import create_app
from tests import factories
from tests.web.conftest import browser  # noqa: F401  (Debian chromium, shared with tests/web)


@dataclass
class Archive:
    office_a: int
    office_b: int
    code_a: str
    code_b: str
    care: int  # office A, child welfare, ECHR, this year: the nynorsk "barnevernstenesta"
    school: int  # office A, education, CRC, 2024
    health: int  # office B, health care, ECHR, this year
    voss: int
    governor_a: int
    governor_b: int


@pytest.fixture
def archive(engine) -> Archive:
    with transaction(engine) as s:
        a = factories.make_office(s, name="Statsforvalteren i Vestland", org_number="974760665")
        b = factories.make_office(s, name="Statsforvalteren i Agder", org_number="974762994")
        voss = factories.make_municipality(s, office=a, code="4621", name="Voss", malform="nynorsk")
        kristiansand = factories.make_municipality(s, office=b, code="4204", name="Kristiansand")
        care = factories.make_alert(
            s, office=a, municipalities=[voss], sectors=("child-welfare",),
            item=factories.make_item(s, title="CASE OF A.B. v. NORWAY", body="ECHR"),
            title_nb="Samvær etter omsorgsovertakelse", title_nn="Samvær etter omsorgsovertaking",
            summary_nb="Barneverntjenesten begrenset samværet for strengt.",
            summary_nn="Barnevernstenesta avgrensa samværet for strengt.",
            meaning_nb="Kommunene må vurdere samvær på nytt.", meaning_nn="Kommunane må vurdere samvær på nytt.")
        school = factories.make_alert(
            s, office=a, municipalities=[voss], sectors=("education",),
            item=factories.make_item(s, title="CRC/C/NOR/CO/7", body="CRC", kind="concluding-observations"),
            title_nb="Barnekomiteens merknader om skolen", title_nn="Barnekomiteen sine merknader om skulen",
            summary_nb="Komiteen ber om bedre spesialundervisning.",
            summary_nn="Komiteen ber om betre spesialundervisning.",
            approved_at=datetime(2024, 5, 2, 10, 0, tzinfo=UTC))
        health = factories.make_alert(
            s, office=b, municipalities=[kristiansand], sectors=("health-care",),
            item=factories.make_item(s, title="CASE OF C.D. v. NORWAY", body="ECHR"),
            title_nb="Tvang i psykisk helsevern", summary_nb="Domstolen fant brudd på artikkel 5.")
        return Archive(a.id, b.id, a.code, b.code, care.id, school.id, health.id, voss.id,
                       factories.make_user(s, role="governor", office=a).id,
                       factories.make_user(s, role="governor", office=b).id)


@pytest.fixture
def web(engine, settings):
    with TestClient(create_app(settings, engine), base_url="https://relay.test") as client:
        yield client


@pytest.fixture
def signed_in(engine, settings):
    """signed_in(user_id) → a client with that user's session."""
    from relay.auth import session_cookie_value
    from relay.models import User
    from relay.web.app import SESSION_COOKIE

    clients = []

    def make(user_id: int) -> TestClient:
        client = TestClient(create_app(settings, engine), base_url="https://relay.test")
        with transaction(engine) as s:
            client.cookies.set(SESSION_COOKIE, session_cookie_value(settings, s.get(User, user_id)))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
