"""The app in-process, and one sent message with an alert in it, for the receipt pages.

Personas: Kari, a contact in Voss (Vestland); Ola, the Vestland governor who approved the alert;
an admin. The contact never signs in: the signed links are her only credential.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from relay.auth import session_cookie_value
from relay.db import transaction
from relay.delivery.outbox import enqueue
from relay.mail.envelope import bounce_address
from relay.models import Assignment, User, utcnow
from relay.web.app import SESSION_COOKIE, create_app
from tests.factories import make_alert, make_contact, make_municipality, make_office, make_user

SOURCE = "https://hudoc.echr.coe.int/eng?i=001-244416&lang=nor"


@dataclass
class Sent:
    alert_id: int
    contact_id: int
    message_id: int
    assignment_id: int
    message_key: str
    governor_id: int
    admin_id: int


def make_sent(engine, settings, *, sent_ago: timedelta = timedelta(hours=1)) -> Sent:
    with transaction(engine) as session:
        office = make_office(session, name="Statsforvaltaren i Vestland", fallback_email="sfvlpost@statsforvalteren.no")
        voss = make_municipality(session, office=office, name="Voss herad", malform="nynorsk")
        contact = make_contact(session, municipality=voss, email="kari.nordmann@voss.kommune.no")
        governor = make_user(session, role="governor", office=office, name="Ola Vestland",
                             email="ola@statsforvalteren.no")
        admin = make_user(session, role="admin")
        alert = make_alert(session, office=office, municipalities=[voss], approved_by_user_id=governor.id)
        key = f"alert:{alert.id}:{contact.id}"
        message = enqueue(session=session, purpose_key=key, kind="alert", to_address=contact.email,
                          envelope_from=bounce_address(settings, key), message=b"Subject: x\r\n\r\nx\r\n",
                          subject="x", message_id_header=f"<{alert.id}.{contact.id}@relay.test>",
                          contact_id=contact.id)
        message.status, message.sent_at = "sent", utcnow() - sent_ago
        assignment = Assignment(alert_id=alert.id, contact_id=contact.id, municipality_id=voss.id, via="immediate",
                                message_id=message.id)
        session.add(assignment)
        session.flush()
        return Sent(alert.id, contact.id, message.id, assignment.id, key, governor.id, admin.id)


@pytest.fixture
def sent(engine, settings) -> Sent:
    return make_sent(engine, settings)


@pytest.fixture
def app(engine, settings):
    return create_app(settings, engine)


@pytest.fixture
def client(app):
    with TestClient(app, base_url="https://relay.test", follow_redirects=False) as client:
        yield client


@pytest.fixture
def client_as(app, engine, settings):
    """client_as(user_id) → a TestClient signed in as that user."""
    clients = []

    def make(user_id: int) -> TestClient:
        client = TestClient(app, base_url="https://relay.test", follow_redirects=False)
        clients.append(client)
        with transaction(engine) as session:
            client.cookies.set(SESSION_COOKIE, session_cookie_value(settings, session.get(User, user_id)))
        return client

    yield make
    for client in clients:
        client.close()


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
