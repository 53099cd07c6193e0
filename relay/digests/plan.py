"""Assign alerts to contacts exactly once, in one digest or as one immediate message.

The unique (alert, contact) assignment is the whole guarantee: planning picks up exactly what is
still unassigned, so a restart, a schedule change or a missed period neither drops nor repeats an
alert. A municipality with nobody subscribed to a sector gets that sector's alerts at its fallback
address (postmottak).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay.digests.periods import ended_periods_since, local_midnight_utc
from relay.models import (
    Alert,
    AlertSector,
    AlertTarget,
    Assignment,
    Contact,
    Digest,
    DigestRun,
    Subscription,
    utcnow,
)

# How far back a newcomer's first digest reaches for alerts nobody in its municipality got: the longest
# period it can have missed (a month). Older history is not sent; those pairs stay visible as gaps.
BACKLOG = timedelta(days=31)


def carries(subscribed_at: datetime, approved_at: datetime, municipality_reached: bool) -> bool:
    """Whether a subscription started at subscribed_at should carry an alert approved at approved_at.

    A new subscriber gets what is approved from now on, not the backlog, unless nobody in the
    municipality got the alert yet and it is recent: its first digest then carries it, since the
    subscription makes the sector count as covered and the fallback no longer gets it (issue 18).
    relay.reports.reach asks the same question to tell "not yet due" from a gap."""
    if subscribed_at <= approved_at:
        return True
    return not municipality_reached and subscribed_at - approved_at <= BACKLOG


@dataclass
class PlanReport:
    digests: list[int] = field(default_factory=list)  # Digest ids created
    immediate: list[int] = field(default_factory=list)  # Assignment ids sent on their own
    periods: list[tuple[str, date]] = field(default_factory=list)


def _active_alerts(session: Session, approved_before: datetime | None = None) -> list[Alert]:
    query = select(Alert).where(Alert.status == "active")
    if approved_before is not None:
        query = query.where(Alert.approved_at < approved_before)
    return list(session.scalars(query.order_by(Alert.approved_at, Alert.id)))


def _alert_index(session: Session, alerts: list[Alert]) -> tuple[dict, dict]:
    ids = [a.id for a in alerts]
    sectors, targets = defaultdict(set), defaultdict(set)
    if not ids:
        return sectors, targets
    for alert_id, sector in session.execute(select(AlertSector.alert_id, AlertSector.sector).where(AlertSector.alert_id.in_(ids))):
        sectors[alert_id].add(sector)
    for alert_id, muni in session.execute(select(AlertTarget.alert_id, AlertTarget.municipality_id).where(AlertTarget.alert_id.in_(ids))):
        targets[alert_id].add(muni)
    return sectors, targets


def _assigned_pairs(session: Session, alert_ids: list[int]) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """(alert, contact) pairs assigned, and (alert, municipality) pairs some contact was assigned for."""
    if not alert_ids:
        return set(), set()
    rows = session.execute(select(Assignment.alert_id, Assignment.contact_id, Assignment.municipality_id)
                           .where(Assignment.alert_id.in_(alert_ids))).all()
    return {(a, c) for a, c, _ in rows}, {(a, m) for a, _, m in rows}


def _subscriptions(session: Session) -> list[tuple[Contact, Subscription]]:
    rows = session.execute(
        select(Contact, Subscription).join(Subscription, Subscription.contact_id == Contact.id)
        .where(Contact.status == "active", Subscription.active.is_(True))
    ).all()
    return [(c, s) for c, s in rows]


def _fallbacks(session: Session) -> dict[int, Contact]:
    rows = session.scalars(select(Contact).where(Contact.kind == "fallback", Contact.status == "active"))
    return {c.municipality_id: c for c in rows}


def wanted_pairs(session: Session, alerts: list[Alert], frequency: str | None) -> dict[tuple[int, int], tuple[Contact, str]]:
    """(alert, contact) → (contact, via) for every pair that should exist and does not yet.

    frequency None means urgent fan-out: every active subscriber of the sector, whatever frequency.
    """
    sectors, targets = _alert_index(session, alerts)
    assigned, reached = _assigned_pairs(session, [a.id for a in alerts])
    subs = _subscriptions(session)
    covered = {(c.municipality_id, s.sector) for c, s in subs if c.kind != "fallback"}
    fallbacks = _fallbacks(session)
    wanted: dict[tuple[int, int], tuple[Contact, str]] = {}
    for alert in alerts:
        for contact, sub in subs:
            if contact.kind == "fallback" or sub.sector not in sectors[alert.id]:
                continue
            if contact.municipality_id not in targets[alert.id] or (alert.id, contact.id) in assigned:
                continue
            if frequency is not None and sub.frequency != frequency:
                continue
            if not carries(sub.created_at, alert.approved_at, (alert.id, contact.municipality_id) in reached):
                continue
            via = "immediate" if frequency in (None, "immediate") else "digest"
            wanted.setdefault((alert.id, contact.id), (contact, via))
        # Coverage gaps: a targeted municipality with nobody in any of the alert's sectors → postmottak.
        if frequency in (None, "weekly"):
            for muni in targets[alert.id]:
                fallback = fallbacks.get(muni)
                if fallback is None or (alert.id, fallback.id) in assigned:
                    continue
                if not any((muni, sector) in covered for sector in sectors[alert.id]):
                    wanted.setdefault((alert.id, fallback.id), (fallback, "fallback"))
    return wanted


def plan_immediate(*, session: Session, now: datetime | None = None) -> list[Assignment]:
    """Urgent alerts to every subscriber of their sectors, and normal alerts to immediate subscribers."""
    now = now or utcnow()
    alerts = _active_alerts(session, approved_before=None)
    urgent = [a for a in alerts if a.priority == "urgent"]
    created: list[Assignment] = []
    for group, frequency in ((urgent, None), (alerts, "immediate")):
        for (alert_id, contact_id), (contact, via) in wanted_pairs(session, group, frequency).items():
            assignment = Assignment(alert_id=alert_id, contact_id=contact_id, municipality_id=contact.municipality_id,
                                    via="immediate" if via != "fallback" else "fallback", assigned_at=now)
            session.add(assignment)
            created.append(assignment)
        session.flush()
    for alert in urgent:
        alert.assigned_at = alert.assigned_at or now
    return created


def plan_period(*, session: Session, frequency: str, period: tuple[date, date], tz: str,
                now: datetime | None = None) -> list[Digest]:
    """One digest per contact with something new in the period; none when empty. A second call is a no-op."""
    now = now or utcnow()
    start, end = period
    run = session.scalars(select(DigestRun).where(DigestRun.frequency == frequency, DigestRun.period_start == start)).first()
    if run is not None and run.processed_at is not None:
        return []
    if run is None:
        run = DigestRun(frequency=frequency, period_start=start, period_end=end)
        session.add(run)
        session.flush()
    alerts = _active_alerts(session, approved_before=local_midnight_utc(end, tz))
    by_contact: dict[int, list[tuple[int, Contact, str]]] = defaultdict(list)
    for (alert_id, contact_id), (contact, via) in wanted_pairs(session, alerts, frequency).items():
        by_contact[contact_id].append((alert_id, contact, via))
    digests = []
    for contact_id, pairs in sorted(by_contact.items()):
        digest = Digest(contact_id=contact_id, frequency=frequency, period_start=start, period_end=end, created_at=now)
        session.add(digest)
        session.flush()
        for alert_id, contact, via in pairs:
            session.add(Assignment(alert_id=alert_id, contact_id=contact_id, municipality_id=contact.municipality_id,
                                   via=via, digest_id=digest.id, assigned_at=now))
        digests.append(digest)
    session.flush()
    run.processed_at = now
    return digests


def plan_due(*, session: Session, tz: str, now: datetime | None = None) -> PlanReport:
    """Immediate assignments, then every ended weekly/monthly period not yet planned (catch-up)."""
    now = now or utcnow()
    report = PlanReport()
    report.immediate = [a.id for a in plan_immediate(session=session, now=now)]
    for frequency in ("weekly", "monthly"):
        last = session.scalars(
            select(DigestRun).where(DigestRun.frequency == frequency, DigestRun.processed_at.is_not(None))
            .order_by(DigestRun.period_start.desc())
        ).first()
        after = last.period_end if last else None
        for period in ended_periods_since(frequency, after, now, tz):
            report.digests += [d.id for d in plan_period(session=session, frequency=frequency, period=period, tz=tz, now=now)]
            report.periods.append((frequency, period[0]))
    return report
