"""Alerts on persistent trouble: one Incident per episode, e-mailed to the admins once, closed when it ends.

`check_incidents` compares what is wrong now (`detect`) with the open incidents. New trouble opens an
incident and queues one ops-alert per admin; trouble that is gone closes its incident; trouble that
goes on changes nothing but the detail. Running it every minute, from several processes at once, or
again after a crash, therefore sends each admin one e-mail per episode: the partial unique index
uq_incident_open (relay/models/ops.py) lets only one open row exist per (kind, subject), and the
message's purpose key is unique per incident and admin.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import distinct, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import relay.models.ops  # noqa: F401 - registers uq_incident_open on the incident table
from relay.db import transaction
from relay.models import (
    Contact,
    Heartbeat,
    Incident,
    Message,
    Organisation,
    ReceiptEvent,
    Source,
    User,
    utcnow,
)
from relay.ops import ops_setting

log = logging.getLogger("relay.ops.incidents")
# The kinds this checker opens and closes; the ops-alert template has a label for each.
KINDS = ("source", "outbox", "bounces", "heartbeat", "address")


@dataclass(frozen=True)
class Trouble:
    kind: str
    subject: str
    since: datetime
    detail: str


@dataclass(frozen=True)
class Change:
    action: str  # opened | closed
    kind: str
    subject: str
    incident_id: int


def detect(*, session: Session, settings, now: datetime) -> list[Trouble]:
    return [*_failing_sources(session, settings, now), *_old_outbox(session, settings, now),
            *_bounce_rate(session, settings, now), *_no_leader(session, settings, now),
            *_dead_fallbacks(session, now)]


def _dead_fallbacks(session: Session, now: datetime) -> list[Trouble]:
    """One incident per office whose municipalities' fallback addresses (postmottak) fail: each such
    municipality has no working address for the sectors nobody there follows, until the office fixes it.
    The subject names the office, so a second dead postmottak in the same office changes the detail only."""
    rows = session.execute(
        select(Organisation.office_id, Organisation.code, Organisation.name, Contact.email)
        .join(Contact, Contact.municipality_id == Organisation.id)
        .where(Contact.kind == "fallback", Contact.status == "bouncing").order_by(Organisation.code)).all()
    by_office: dict[int, list] = {}
    for row in rows:
        by_office.setdefault(row.office_id, []).append(row)
    offices = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(list(by_office))))}
    troubles = []
    for office_id, munis in by_office.items():
        office = offices.get(office_id)
        listed = "; ".join(f"{m.code} {m.name} ({m.email})" for m in munis)
        detail = (f"{len(munis)} municipalities of {office.name if office else office_id} have no working "
                  f"fallback address (postmottak refuses mail): {listed}. Set a working address on the contacts page.")
        troubles.append(Trouble("address", f"office:{office.code if office else office_id}", now, detail[:2000]))
    return troubles


def _failing_sources(session: Session, settings, now: datetime) -> list[Trouble]:
    limit = now - timedelta(minutes=ops_setting(settings, "source_failing_minutes"))
    rows = session.scalars(select(Source).where(
        Source.failing_since.is_not(None), Source.failing_since <= limit, Source.paused.is_(False)))
    return [Trouble("source", source.key, source.failing_since,
                    f"{source.error_count} failed runs in a row. Last error: {(source.last_error or '')[:500]}")
            for source in rows]


def _old_outbox(session: Session, settings, now: datetime) -> list[Trouble]:
    oldest, waiting = session.execute(
        select(func.min(Message.created_at), func.count()).where(Message.status == "queued")).one()
    if oldest is None or oldest > now - timedelta(minutes=ops_setting(settings, "outbox_max_age_minutes")):
        return []
    return [Trouble("outbox", "queued", oldest, f"{waiting} messages waiting; the oldest was queued at "
                    f"{oldest:%Y-%m-%d %H:%M} UTC.")]


def _bounce_rate(session: Session, settings, now: datetime) -> list[Trouble]:
    start = now - timedelta(hours=ops_setting(settings, "bounce_window_hours"))
    sent = session.scalar(select(func.count()).select_from(Message).where(Message.sent_at >= start)) or 0
    if sent < ops_setting(settings, "bounce_min_messages"):
        return []
    bounced = session.scalar(select(func.count(distinct(ReceiptEvent.message_id))).where(
        ReceiptEvent.kind == "bounced", ReceiptEvent.occurred_at >= start)) or 0
    if bounced / sent <= ops_setting(settings, "bounce_rate_threshold"):
        return []
    return [Trouble("bounces", "bounce-rate", start,
                    f"{bounced} of {sent} messages sent in the last "
                    f"{ops_setting(settings, 'bounce_window_hours')} hours bounced ({bounced / sent:.0%}).")]


def _no_leader(session: Session, settings, now: datetime) -> list[Trouble]:
    stale = now - timedelta(minutes=ops_setting(settings, "leader_stale_minutes"))
    last = session.scalar(select(func.max(Heartbeat.seen_at)).where(Heartbeat.is_leader.is_(True)))
    if last is not None and last >= stale:
        return []
    detail = f"No scheduler has led since {last:%Y-%m-%d %H:%M} UTC." if last else "No scheduler has ever led."
    return [Trouble("heartbeat", "scheduler", last or now,
                    detail + " Nothing is collected, planned or swept until one runs.")]


def check_incidents(*, engine: Engine, settings, now: datetime | None = None) -> list[Change]:
    """Open, keep or close incidents so that they match the trouble found now."""
    now = now or utcnow()
    changes: list[Change] = []
    with transaction(engine) as session:
        troubles = {(t.kind, t.subject): t for t in detect(session=session, settings=settings, now=now)}
        open_now = {(i.kind, i.subject): i for i in session.scalars(
            select(Incident).where(Incident.closed_at.is_(None), Incident.kind.in_(KINDS)))}
        for key, trouble in troubles.items():
            if key in open_now:
                open_now[key].detail = trouble.detail
                continue
            incident = _open(session, trouble, now)
            if incident is not None:
                _notify_admins(session, settings, incident, trouble, now)
                changes.append(Change("opened", trouble.kind, trouble.subject, incident.id))
                log.warning("incident opened", extra={"incident": incident.id, "kind": trouble.kind,
                                                      "subject": trouble.subject})
        for key, incident in open_now.items():
            if key in troubles:
                continue
            closed = session.execute(update(Incident).where(Incident.id == incident.id, Incident.closed_at.is_(None))
                                     .values(closed_at=now)).rowcount
            if closed == 1:
                changes.append(Change("closed", incident.kind, incident.subject, incident.id))
                log.info("incident closed", extra={"incident": incident.id, "kind": incident.kind,
                                                   "subject": incident.subject})
    return changes


def _open(session: Session, trouble: Trouble, now: datetime) -> Incident | None:
    """Insert-or-nothing: None when another checker opened the same incident first."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # RETURNING, not rowcount: an ORM insert on psycopg reports rowcount -1.
    new_id = session.execute(module.insert(Incident).values(
        kind=trouble.kind, subject=trouble.subject, opened_at=now, detail=trouble.detail,
    ).on_conflict_do_nothing().returning(Incident.id)).scalar()
    return None if new_id is None else session.get(Incident, new_id)


def _notify_admins(session: Session, settings, incident: Incident, trouble: Trouble, now: datetime) -> None:
    """One ops-alert per active admin through Relay's own outbox (purpose key: incident × admin)."""
    from relay.delivery.outbox import enqueue
    from relay.mail.compose import build_message

    admins = session.scalars(select(User).where(User.role == "admin", User.active.is_(True))).all()
    if not admins:
        log.warning("incident has nobody to notify", extra={"incident": incident.id})
    for admin in admins:
        key = f"ops-alert:{incident.id}:{admin.id}"
        composed = build_message("ops-alert", to=admin.email, language=admin.language or "nb", settings=settings,
                                 message_key=key, context={
                                     "recipient_name": admin.name, "incident_kind": trouble.kind,
                                     "incident_subject": trouble.subject, "detail": trouble.detail,
                                     "since": trouble.since, "dashboard_url": f"{settings.base_url}/admin/incidents"})
        enqueue(session=session, purpose_key=key, kind="ops-alert", to_address=admin.email,
                envelope_from=composed.envelope_from, message=composed.message, subject=composed.subject,
                message_id_header=composed.message_id, deadline_hours=24, now=now)
    incident.notified_at = now


def list_incidents(*, session: Session, limit: int = 100) -> tuple[list[Incident], list[Incident]]:
    """Open incidents (oldest first), then the most recently closed ones."""
    open_ = session.scalars(select(Incident).where(Incident.closed_at.is_(None)).order_by(Incident.opened_at)).all()
    closed = session.scalars(select(Incident).where(Incident.closed_at.is_not(None))
                             .order_by(Incident.closed_at.desc()).limit(limit)).all()
    return list(open_), list(closed)


def ops_jobs(settings, engine: Engine) -> dict:
    """Jobs for relay.scheduler.build_scheduler: name → (callable, seconds)."""
    from relay.ops.retention import run_retention

    return {
        "incidents": (lambda: check_incidents(engine=engine, settings=settings), 60),
        "retention": (lambda: run_retention(engine=engine, settings=settings), 6 * 3600),
    }
