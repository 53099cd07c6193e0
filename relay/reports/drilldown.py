"""One alert (which municipalities acknowledged, which did not, and each contact's ladder) and one
municipality (its history). Both read report_reach through its keys, and the contact ladder reads
the source tables for that one alert through their alert and message indexes."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from relay.contacts import coverage_gaps
from relay.models import (
    Acknowledgement,
    Alert,
    Assignment,
    Contact,
    Message,
    Organisation,
    ReceiptEvent,
    ReportAlert,
    ReportReach,
)
from relay.reports.evidence import is_reached, rung_counts
from relay.reports.figures import histogram_median
from relay.reports.labels import MUNICIPALITY_KINDS, Register, sector_ids
from relay.reports.national import alert_summary, contact_health, fallback_states
from relay.reports.reach import latency_hours
from relay.reports.schemas import (
    FOLLOW_UPS,
    AlertReport,
    ContactLadder,
    Figures,
    MunicipalityReport,
    PairLadder,
)


class NotFound(LookupError):
    pass


def figures_of(rows: list[ReportReach]) -> Figures:
    """The same ladder counts as the roll-ups, for a handful of pairs read directly."""
    follow_up = dict.fromkeys(FOLLOW_UPS, 0)
    for row in rows:
        if row.follow_up in follow_up:
            follow_up[row.follow_up] += 1
    hours = [h for h in (latency_hours(r) for r in rows) if h is not None]
    rungs: dict[str, int] = defaultdict(int)
    for row in rows:
        for name, n in rung_counts(row).items():
            rungs[name] += n
    return Figures(
        **rungs, targeted=len(rows), sent=sum(r.sent_at is not None for r in rows),
        reached=sum(is_reached(r) for r in rows), delivered=sum(r.delivered_at is not None for r in rows),
        bounced=sum(r.bounced_at is not None for r in rows), clicked=sum(r.clicks > 0 for r in rows),
        clicks=sum(r.clicks for r in rows), bot_clicks=sum(r.bot_clicks for r in rows),
        acknowledged=sum(r.acknowledged_at is not None for r in rows), follow_up=follow_up,
        median_hours_to_ack=histogram_median([(h, 1) for h in hours]),
    )


def _pair(row: ReportReach, register: Register, title: str = "") -> PairLadder:
    muni = register.by_id.get(row.municipality_id)
    return PairLadder(alert_id=row.alert_id, alert_title=title, code=muni.code if muni else "",
                      municipality=register.name(row.municipality_id), approved_at=row.approved_at,
                      sent_at=row.sent_at, accepted_at=row.accepted_at, delivered_at=row.delivered_at,
                      bounced_at=row.bounced_at, clicks=row.clicks, bot_clicks=row.bot_clicks,
                      acknowledged_at=row.acknowledged_at, follow_up=row.follow_up, rung=row.rung, reason=row.reason,
                      acceptance=row.acceptance)


def alert_office(session: Session, alert_id: int) -> int:
    office_id = session.scalar(select(Alert.office_id).where(Alert.id == alert_id))
    if office_id is None:
        raise NotFound(f"no alert {alert_id}")
    return office_id


def alert_report(*, session: Session, alert_id: int) -> AlertReport:
    counted = session.get(ReportAlert, alert_id)
    title = session.scalar(select(Alert.title_nb).where(Alert.id == alert_id))
    if counted is None or title is None:
        raise NotFound(f"no alert {alert_id}")
    register = Register.load(session)
    rows = session.scalars(select(ReportReach).where(ReportReach.alert_id == alert_id)).all()
    ladders = contact_ladders(session, alert_id)
    pairs = []
    for row in rows:
        pair = _pair(row, register)
        pair.contacts = ladders.get(row.municipality_id, [])
        pairs.append(pair)
    # Not acknowledged first: that is the list a governor follows up.
    pairs.sort(key=lambda p: (p.acknowledged_at is not None, p.code))
    return AlertReport(alert=alert_summary(counted, title, register), totals=figures_of(rows), municipalities=pairs)


def contact_ladders(session: Session, alert_id: int) -> dict[int, list[ContactLadder]]:
    """municipality id → each of its contacts' rungs for this alert, read from the source tables."""
    assigned = session.execute(
        select(Assignment.municipality_id, Assignment.contact_id, Assignment.via, Assignment.message_id,
               Contact.email, Contact.kind, Contact.status.label("contact_status"),
               Message.status.label("message_status"), Message.created_at, Message.sent_at)
        .join(Contact, Contact.id == Assignment.contact_id).outerjoin(Message, Message.id == Assignment.message_id)
        .where(Assignment.alert_id == alert_id).order_by(Contact.email)
    ).all()
    firsts: dict[tuple[int, str], object] = {}
    for message_id, kind, at in session.execute(
        select(ReceiptEvent.message_id, ReceiptEvent.kind, func.min(ReceiptEvent.occurred_at))
        .where(ReceiptEvent.message_id.in_([a.message_id for a in assigned if a.message_id]))
        .group_by(ReceiptEvent.message_id, ReceiptEvent.kind)  # kind filtered here: see reach._add_messages
    ):
        firsts[message_id, kind] = at
    clicks: dict[tuple[int, bool], int] = defaultdict(int)
    automated = ReceiptEvent.filtered.is_not(None)
    for contact_id, is_bot, count in session.execute(
        select(ReceiptEvent.contact_id, automated, func.count())
        .where(ReceiptEvent.alert_id == alert_id, ReceiptEvent.kind == "clicked")
        .group_by(ReceiptEvent.contact_id, automated)
    ):
        clicks[contact_id, bool(is_bot)] += count
    acks = {a.contact_id: a for a in session.scalars(select(Acknowledgement).where(Acknowledgement.alert_id == alert_id))}
    ladders: dict[int, list[ContactLadder]] = defaultdict(list)
    for a in assigned:
        ack = acks.pop(a.contact_id, None)
        ladders[a.municipality_id].append(ContactLadder(
            email=a.email or "", kind=a.kind, status=a.contact_status, via=a.via, message_status=a.message_status, queued_at=a.created_at,
            accepted_at=a.sent_at or firsts.get((a.message_id, "accepted")),
            delivered_at=firsts.get((a.message_id, "delivered")), bounced_at=firsts.get((a.message_id, "bounced")),
            clicks=clicks[a.contact_id, False], bot_clicks=clicks[a.contact_id, True],
            acknowledged_at=ack.acknowledged_at if ack else None, follow_up=ack.follow_up if ack else None))
    # An acknowledgement without an assignment: recorded by the governor after a letter or a call.
    for ack in acks.values():
        contact = session.get(Contact, ack.contact_id) if ack.contact_id else None
        ladders[ack.municipality_id].append(ContactLadder(
            email=(contact.email or "") if contact else "", kind=contact.kind if contact else "", via="manual",
            status=contact.status if contact else "", acknowledged_at=ack.acknowledged_at, follow_up=ack.follow_up))
    return ladders


def find_municipality(session: Session, code: str) -> Organisation:
    muni = session.scalars(select(Organisation).where(Organisation.code == code,
                                                      Organisation.kind.in_(MUNICIPALITY_KINDS))).first()
    if muni is None:
        raise NotFound(f"no municipality {code}")
    return muni


def municipality_report(*, session: Session, code: str, office_id: int | None = None) -> MunicipalityReport:
    """Its history: every alert it was targeted by (office_id: only that office's alerts)."""
    muni = find_municipality(session, code)
    register = Register.load(session)
    query = (select(ReportReach, Alert.title_nb).join(Alert, Alert.id == ReportReach.alert_id)
             .where(ReportReach.municipality_id == muni.id, Alert.status == "active")
             .order_by(ReportReach.approved_at.desc(), ReportReach.alert_id.desc()))
    if office_id is not None:
        query = query.where(ReportReach.office_id == office_id)
    found = session.execute(query).all()
    gaps = coverage_gaps(session=session, office_id=muni.office_id, sectors=sector_ids())
    missing = next((m for org, m in gaps if org.id == muni.id), [])
    return MunicipalityReport(
        id=muni.id, code=muni.code, name=muni.name, county=register.name(muni.county_id),
        office=register.name(muni.office_id), totals=figures_of([row for row, _ in found]),
        alerts=[_pair(row, register, title) for row, title in found], missing_sectors=missing,
        contacts=contact_health(session, register, municipality_id=muni.id),
        fallback_failing=fallback_states(session).get(muni.id) == "bouncing",
    )
