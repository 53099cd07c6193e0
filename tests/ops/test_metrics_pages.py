"""/metrics in the Prometheus text format (admin or bearer token), and /admin/incidents (admins only)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from relay.auth import session_cookie_value
from relay.db import transaction
from relay.models import Acknowledgement, Heartbeat, Incident, Item, Message, ReceiptEvent, Source, utcnow
from relay.models.ops import ReceiptEventMonth
from relay.ops.metrics import MetricsMiddleware
from relay.web import access, routes
from relay.web.app import SESSION_COOKIE, create_app
from relay.web.pages.admin import ops
from tests import factories

TOKEN = "scrape-token-for-tests"


@pytest.fixture
def client(engine, with_ops, monkeypatch):
    """The app with the ops pages routed and the middleware installed, as the lines in the report add them."""
    _route_ops_pages(monkeypatch)
    settings = with_ops(metrics_token=TOKEN)
    app = create_app(settings, engine)
    if not any(m.cls is MetricsMiddleware for m in app.user_middleware):
        app.add_middleware(MetricsMiddleware)
    with TestClient(app, base_url="https://relay.test") as c:
        c.settings = settings
        yield c
    access._POLICY = None


def _route_ops_pages(monkeypatch):
    if ops not in routes.MODULES:
        monkeypatch.setattr(routes, "MODULES", [*routes.MODULES, ops])
    monkeypatch.setattr(access, "_POLICY", None)


def _sign_in(client, engine, role):
    with transaction(engine) as s:
        user = factories.make_user(s, role=role)
        client.cookies.set(SESSION_COOKIE, session_cookie_value(client.settings, user))


def _fill(engine):
    now = utcnow()
    with transaction(engine) as s:
        ok = Source(key="hudoc-echr", kind="hudoc", name="HUDOC", items_last_run=2)
        bad = Source(key="undl", kind="undl", name="UNDL", error_count=4, failing_since=now - timedelta(hours=3))
        s.add_all([ok, bad])
        s.flush()
        s.add_all([Item(key=f"k{i}", source_id=ok.id, kind="judgment", title="t") for i in range(3)])
        alert = factories.make_alert(s)
        contact = factories.make_contact(s)
        for i, status in enumerate(["queued", "queued", "sent", "delivered", "permanent-failure"]):
            s.add(Message(purpose_key=f"p{i}", kind="alert", to_address="a@k.test", envelope_from="b@r.test",
                          subject="s", message_id_header=f"<{i}@r.test>", mime=b"x", status=status,
                          created_at=now - timedelta(minutes=10 * (i + 1))))
        s.add(ReceiptEvent(dedupe_key="b1", kind="bounced"))
        s.add(ReceiptEventMonth(alert_id=alert.id, municipality_id=1, kind="bounced", month="2020-01", count=5))
        s.add(Acknowledgement(alert_id=alert.id, contact_id=contact.id, municipality_id=contact.municipality_id))
        s.add(Heartbeat(name="h:1:scheduler", role="scheduler", is_leader=True, seen_at=now - timedelta(seconds=20)))
        s.add(Incident(kind="source", subject="undl", opened_at=now))


def _scrape(client, **headers):
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def test_it_scrapes_database_gauges_and_request_latency_with_the_bearer_token(client, engine):
    _fill(engine)
    client.get("/healthz")
    samples = _scrape(client, authorization=f"Bearer {TOKEN}")
    assert samples["relay_source_items_total", (("source", "hudoc-echr"),)] == 3
    assert samples["relay_source_items_last_run", (("source", "hudoc-echr"),)] == 2
    assert samples["relay_source_consecutive_failures", (("source", "undl"),)] == 4
    assert samples["relay_source_failing_seconds", (("source", "undl"),)] >= 3 * 3600
    assert samples["relay_source_failing_seconds", (("source", "hudoc-echr"),)] == 0
    assert samples["relay_messages", (("status", "queued"),)] == 2
    assert samples["relay_messages", (("status", "technical-failure"),)] == 0
    assert samples["relay_messages_sent_total", ()] == 2
    assert 19 * 60 <= samples["relay_outbox_oldest_queued_age_seconds", ()] < 30 * 60
    assert samples["relay_bounces_total", ()] == 6  # one raw event and five aggregated by retention
    assert samples["relay_acknowledgements_total", ()] == 1
    assert samples["relay_incidents_open", (("kind", "source"),)] == 1
    assert 0 < samples["relay_scheduler_leader_age_seconds", ()] < 120
    count = samples["relay_http_request_duration_seconds_count", (("method", "GET"), ("route", "healthz"),
                                                                   ("status", "200"))]
    assert count >= 1


def test_metrics_refuse_anonymous_a_wrong_token_and_a_governor(client, engine):
    assert client.get("/metrics", follow_redirects=False).status_code == 303  # a page: sign in first
    assert client.get("/metrics", headers={"authorization": "Bearer nope"}).status_code == 401
    assert client.post("/metrics", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 401
    assert client.get("/metrics", headers={"authorization": f"Basic {TOKEN}"},
                      follow_redirects=False).status_code == 303
    _sign_in(client, engine, "governor")
    assert client.get("/metrics").status_code == 403


def test_an_admin_scrapes_without_a_token(client, engine):
    _sign_in(client, engine, "admin")
    assert ("relay_info", (("version", __import__("relay").__version__),)) in _scrape(client)


def test_no_configured_token_admits_no_bearer(engine, with_ops, monkeypatch):
    _route_ops_pages(monkeypatch)
    app = create_app(with_ops(metrics_token=""), engine)
    if not any(m.cls is MetricsMiddleware for m in app.user_middleware):
        app.add_middleware(MetricsMiddleware)
    with TestClient(app, base_url="https://relay.test") as c:
        assert c.get("/metrics", headers={"authorization": "Bearer "}).status_code == 401
    access._POLICY = None


def test_the_incidents_page_lists_open_and_closed_incidents_for_admins_only(client, engine):
    now = utcnow()
    with transaction(engine) as s:
        s.add(Incident(kind="outbox", subject="queued", opened_at=now, detail="12 messages waiting"))
        s.add(Incident(kind="source", subject="undl", opened_at=now - timedelta(days=1), closed_at=now))
    assert client.get("/admin/incidents", follow_redirects=False).status_code == 303
    _sign_in(client, engine, "governor")
    assert client.get("/admin/incidents").status_code == 403
    _sign_in(client, engine, "admin")
    page = client.get("/admin/incidents?lang=nn")
    assert page.status_code == 200
    assert "Utboksen står" in page.text and "12 messages waiting" in page.text and "undl" in page.text
