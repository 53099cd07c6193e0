"""Prometheus metrics: database gauges computed at scrape time, and HTTP latency from a small ASGI middleware.

The database is the one shared truth across `relay web`, `relay worker` and the scheduler, so every
business number is read from it when /metrics is scraped: any web process gives the same answer and
nothing is lost on restart. Only request latency lives in process memory (one histogram per
process; Prometheus sums them across targets). Counters that must survive retention (receipt events)
add the monthly aggregates to the raw rows.
"""

from __future__ import annotations

import hmac
from time import perf_counter

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from relay import __version__
from relay.db import transaction
from relay.models import (
    MESSAGE_STATUSES,
    Acknowledgement,
    Heartbeat,
    Incident,
    Item,
    Message,
    ReceiptEvent,
    Source,
    utcnow,
)
from relay.models.ops import ReceiptEventMonth
from relay.ops import ops_setting

# *_created series (one timestamp per label set) add nothing a scraper needs and double the series count.
disable_created_metrics()
HTTP_REGISTRY = CollectorRegistry(auto_describe=True)
HTTP_SECONDS = Histogram(
    "relay_http_request_duration_seconds", "Time to answer an HTTP request, by route name",
    ["method", "route", "status"], registry=HTTP_REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
# Work a web process does after it has answered (FastAPI background tasks: a sign-up's save and mail).
# Nobody is left to see it fail, and the log names only the error's class (its text can carry an
# address), so the count is what an operator can alert on.
BACKGROUND_FAILURES = Counter(
    "relay_background_task_failures_total", "Work done after an HTTP answer that failed, by task",
    ["task"], registry=HTTP_REGISTRY,
)
SENT_STATUSES = ("sent", "delivered")  # accepted by a mail server: what "sent" counts


class MetricsMiddleware:
    """Times every HTTP request up to its answer's last byte, and answers a Prometheus scrape that
    carries a bearer token.

    Latency is labelled by route *name*, never by raw path: ids in paths would make one time series
    per alert, and a token in a path must never reach the metrics. The token scrape is answered
    here, before sessions and CSRF, because a Prometheus server is not a user: the access table
    admits admins to /metrics, and this is the one other way in (ops.metrics_token).
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = perf_counter(), [500]
        if scope.get("path") == "/metrics" and _bearer(scope) is not None:
            status[0] = await _answer_scrape(scope, send)
            HTTP_SECONDS.labels(scope.get("method", ""), "metrics", str(status[0])).observe(perf_counter() - started)
            return

        answered: list[float] = []

        async def send_and_note(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                answered.append(perf_counter())  # background tasks run after this: not the user's wait

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            ended = answered[0] if answered else perf_counter()
            HTTP_SECONDS.labels(scope.get("method", ""), route_label(scope), str(status[0])).observe(ended - started)


def _bearer(scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
    return None


def token_matches(settings, given: str | None) -> bool:
    expected = ops_setting(settings, "metrics_token")
    # An empty configured token admits nobody: "no token set" must never mean "open to all".
    return bool(expected) and given is not None and hmac.compare_digest(given.encode(), str(expected).encode())


async def _answer_scrape(scope, send) -> int:
    from starlette.concurrency import run_in_threadpool

    state = scope["app"].state
    if scope.get("method") not in ("GET", "HEAD") or not token_matches(state.settings, _bearer(scope)):
        status, body, headers = 401, b"unauthorised\n", [(b"content-type", b"text/plain; charset=utf-8"),
                                                          (b"www-authenticate", b"Bearer")]
    else:
        # The queries are synchronous: off the event loop, like any sync route.
        status, body = 200, await run_in_threadpool(render_metrics, state.engine)
        headers = [(b"content-type", CONTENT_TYPE_LATEST.encode())]
    await send({"type": "http.response.start", "status": status,
                "headers": headers + [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
    return status


def route_label(scope) -> str:
    name = getattr(scope.get("route"), "name", None)
    if name:
        return name
    return "static" if scope.get("path", "").startswith("/static/") else "unmatched"


class DatabaseCollector:
    """Reads the gauges from the database at scrape time; each query is a grouped count on an index."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def collect(self):
        now = utcnow()
        with transaction(self.engine) as session:
            yield from _sources(session, now)
            yield from _messages(session, now)
            yield from _receipts(session)
            yield from _processes(session, now)
        info = GaugeMetricFamily("relay_info", "Relay version", labels=["version"])
        info.add_metric([__version__], 1)
        yield info


def _sources(session, now):
    items = CounterMetricFamily("relay_source_items", "Items stored from each source", labels=["source"])
    last_run = GaugeMetricFamily("relay_source_items_last_run", "Items found by the last run", labels=["source"])
    failures = GaugeMetricFamily("relay_source_consecutive_failures", "Failed runs in a row", labels=["source"])
    failing = GaugeMetricFamily("relay_source_failing_seconds", "How long the source has failed (0: healthy)",
                                labels=["source"])
    counts = dict(session.execute(select(Item.source_id, func.count()).group_by(Item.source_id)).all())
    for source in session.scalars(select(Source).order_by(Source.key)):
        items.add_metric([source.key], counts.get(source.id, 0))
        last_run.add_metric([source.key], source.items_last_run or 0)
        failures.add_metric([source.key], source.error_count or 0)
        since = source.failing_since
        failing.add_metric([source.key], (now - since).total_seconds() if since else 0)
    return items, last_run, failures, failing


def _messages(session, now):
    by_status = dict(session.execute(select(Message.status, func.count()).group_by(Message.status)).all())
    messages = GaugeMetricFamily("relay_messages", "Outgoing messages by status", labels=["status"])
    for status in MESSAGE_STATUSES:
        messages.add_metric([status], by_status.get(status, 0))
    sent = CounterMetricFamily("relay_messages_sent", "Messages accepted by a mail server; rate() is the send rate")
    sent.add_metric([], sum(by_status.get(s, 0) for s in SENT_STATUSES))
    oldest = session.scalar(select(func.min(Message.created_at)).where(Message.status == "queued"))
    age = GaugeMetricFamily("relay_outbox_oldest_queued_age_seconds", "Age of the oldest queued message (0: none)")
    age.add_metric([], (now - oldest).total_seconds() if oldest else 0)
    return messages, sent, age


def _receipts(session):
    kinds = dict(session.execute(select(ReceiptEvent.kind, func.count()).group_by(ReceiptEvent.kind)).all())
    for kind, count in session.execute(
            select(ReceiptEventMonth.kind, func.sum(ReceiptEventMonth.count)).group_by(ReceiptEventMonth.kind)):
        kinds[kind] = kinds.get(kind, 0) + int(count or 0)
    events = CounterMetricFamily("relay_receipt_events", "Receipt events by kind (bounced, clicked …)",
                                 labels=["kind"])
    for kind in sorted(kinds):
        events.add_metric([kind], kinds[kind])
    bounces = CounterMetricFamily("relay_bounces", "Bounce events (hard and soft)")
    bounces.add_metric([], kinds.get("bounced", 0))
    acks = CounterMetricFamily("relay_acknowledgements", "Acknowledgements (Mottatt/Motteke) by contacts")
    acks.add_metric([], session.scalar(select(func.count()).select_from(Acknowledgement)) or 0)
    return events, bounces, acks


def _processes(session, now):
    beats = GaugeMetricFamily("relay_heartbeat_age_seconds", "Seconds since a process of each role was seen",
                              labels=["role"])
    for role, seen in session.execute(select(Heartbeat.role, func.max(Heartbeat.seen_at)).group_by(Heartbeat.role)):
        beats.add_metric([role], (now - seen).total_seconds())
    leader = session.scalar(select(func.max(Heartbeat.seen_at)).where(Heartbeat.is_leader.is_(True)))
    leader_age = GaugeMetricFamily("relay_scheduler_leader_age_seconds",
                                   "Seconds since a scheduler leader was seen (-1: never)")
    leader_age.add_metric([], (now - leader).total_seconds() if leader else -1)
    incidents = GaugeMetricFamily("relay_incidents_open", "Open incidents by kind", labels=["kind"])
    for kind, count in session.execute(select(Incident.kind, func.count()).where(Incident.closed_at.is_(None))
                                       .group_by(Incident.kind)):
        incidents.add_metric([kind], count)
    return beats, leader_age, incidents


def render_metrics(engine: Engine) -> bytes:
    """The Prometheus text exposition: this process's HTTP histogram, then the database gauges."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(engine))
    return generate_latest(HTTP_REGISTRY) + generate_latest(registry)
