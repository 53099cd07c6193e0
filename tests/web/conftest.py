"""The web app in-process with the six personas of the role × route matrix.

Two offices (Vestland and Agder, with their real organisation numbers) and a few municipalities are
built with the factories, so these tests do not depend on the register loader. Each persona is a
signed-in TestClient; `anonymous` has no session cookie.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from starlette.testclient import TestClient

from relay.auth import session_cookie_value
from relay.db import transaction
from relay.models import Tag
from relay.web.app import SESSION_COOKIE, create_app
from tests import factories

VESTLAND, AGDER = "974760665", "974762994"
ROLES = ("anonymous", "contact", "governor_a", "governor_b", "ministry", "admin")


@dataclass
class World:
    office_a: int
    office_b: int
    munis_a: list[int]
    muni_b: int
    item: int  # relevant, tagged child-welfare with evidence, undecided by every office
    alert_a: int  # office A's alert on another item
    alert_b: int  # office B's alert
    users: dict[str, int]
    contact: int = 0  # a contact in Voss (office A)


@pytest.fixture
def world(engine) -> World:
    with transaction(engine) as s:
        a = factories.make_office(s, name="Statsforvalteren i Vestland", org_number=VESTLAND)
        b = factories.make_office(s, name="Statsforvalteren i Agder", org_number=AGDER)
        voss = factories.make_municipality(s, office=a, code="4621", name="Voss", malform="nynorsk")
        bergen = factories.make_municipality(s, office=a, code="4601", name="Bergen", malform="noytral")
        kristiansand = factories.make_municipality(s, office=b, code="4204", name="Kristiansand")
        title = "CASE OF A.B. v. NORWAY: care order and contact rights"
        item = factories.make_item(s, title=title, text="The child welfare services restricted contact.",
                                   body="ECHR", states="NOR")
        start = title.index("care order")
        s.add(Tag(item_id=item.id, sector="child-welfare", origin="rule", score=2.5, evidence=[
            {"rule": "cw.care-order", "field": "title", "words": ["care order"],
             "positions": [[start, start + len("care order")]], "weight": 2.0},
            {"rule": "hudoc.article", "field": "article", "value": "8", "weight": 0.5},
        ]))
        alert_a = factories.make_alert(s, office=a, municipalities=[voss, bergen])
        alert_b = factories.make_alert(s, office=b, municipalities=[kristiansand])
        contact = factories.make_contact(s, municipality=voss)
        users = {
            "contact": factories.make_user(s, role="contact", contact_id=contact.id).id,
            "governor_a": factories.make_user(s, role="governor", office=a).id,
            "governor_b": factories.make_user(s, role="governor", office=b).id,
            "ministry": factories.make_user(s, role="ministry").id,
            "admin": factories.make_user(s, role="admin").id,
        }
        return World(a.id, b.id, [voss.id, bergen.id], kristiansand.id, item.id, alert_a.id, alert_b.id, users,
                     contact=contact.id)


@pytest.fixture
def app(engine, settings):
    return create_app(settings, engine)


@pytest.fixture
def client_for(app, engine, settings, world):
    """client_for(persona) → a TestClient signed in as that persona (a fresh one each call)."""
    from relay.models import User

    clients = []

    def make(persona: str) -> TestClient:
        client = TestClient(app, base_url="https://relay.test")
        clients.append(client)
        if persona != "anonymous":
            with transaction(engine) as s:
                user = s.get(User, world.users[persona])
                client.cookies.set(SESSION_COOKIE, session_cookie_value(settings, user))
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def fresh_client_window():
    """The per-client sign-in limit lives in the process (relay/web/pages/public/login.py); a test that signs in
    often starts and ends with a clean window."""
    from relay.web.pages.public import login

    login._attempts.clear()
    yield
    login._attempts.clear()


def csrf_of(client: TestClient, path: str = "/login") -> str:
    """A form token for this client's browser cookie (read from a page's logout or form field)."""
    page = client.get(path)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


@pytest.fixture
def server(engine, world, tmp_path):
    """(base URL, settings) of the app under uvicorn, for the real-browser tests."""
    from tests.web.browser import start_server

    base, live_settings, stop = start_server(engine, tmp_path)
    yield base, live_settings
    stop()


@pytest.fixture
def browser():
    """Debian's chromium (executable_path; Playwright never downloads a browser here)."""
    from playwright.sync_api import sync_playwright

    from tests.web.browser import ARGS, CHROMIUM

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()
