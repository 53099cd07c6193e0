"""The reach ladder of each targeted municipality for an alert, computed from the source tables.

Definitions (docs/reports.md; shown on every page):
- targeted: the alert names the municipality (alert_target) and the alert is active;
- sent: a message carrying the alert was queued for at least one of its contacts;
- rung: the pair's place on the ladder of evidence (relay.reports.evidence): not sent (gap / not yet
  due), failed, written locally, in progress, handed over, confirmed; "reached" counts the last two;
- delivered / bounced: a `delivered` DSN / a `bounced` event for one of those messages;
- clicked: a click on a source link for the alert by one of its contacts that the bot filter kept;
- acknowledged: at least one of its contacts pressed "Mottatt"/"Motteke" for the alert.

The assignment (alert × contact) is the record that the planner chose that contact for the alert's
sectors or as the fallback, so "its contacts for the alert" means its assignments.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from relay.digests.plan import carries
from relay.models import (
    Acknowledgement,
    Alert,
    AlertSector,
    AlertTarget,
    Assignment,
    Contact,
    Item,
    Message,
    Organisation,
    ReceiptEvent,
    Subscription,
    utcnow,
)
from relay.reports.evidence import DEFAULT_QUIET, MessageFacts, message_rung, pair_rung

# Months are Norwegian calendar months: an alert approved at 00:30 on 1 March belongs to March.
REPORT_TZ = ZoneInfo("Europe/Oslo")
# The most advanced follow-up among a municipality's acknowledgements stands for the municipality.
FOLLOW_UP_ORDER = ("not-relevant", "noted", "will-follow-up", "followed-up")
MESSAGE_RUNGS = ("accepted", "delivered", "bounced", "read")


def month_of(moment: datetime) -> str:
    return moment.astimezone(REPORT_TZ).strftime("%Y-%m")


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def alert_facts(session: Session, alert_ids: list[int]) -> dict[int, dict]:
    """The alerts among alert_ids that exist, with what the roll-ups are keyed by: office, month,
    issuing body, sectors (and status: only active alerts are counted)."""
    facts: dict[int, dict] = {}
    rows = session.execute(
        select(Alert.id, Alert.office_id, Alert.approved_at, Alert.status, Item.body)
        .join(Item, Item.id == Alert.item_id).where(Alert.id.in_(alert_ids))
    )
    for alert_id, office_id, approved_at, status, body in rows:
        facts[alert_id] = {"office_id": office_id, "approved_at": approved_at, "month": month_of(approved_at),
                           "body": body or "", "sectors": [], "status": status}
    for alert_id, sector in session.execute(
        select(AlertSector.alert_id, AlertSector.sector).where(AlertSector.alert_id.in_(list(facts)))
        .order_by(AlertSector.alert_id, AlertSector.sector)
    ):
        facts[alert_id]["sectors"].append(sector)
    return facts


def quiet_period() -> timedelta:
    """How long a smarthost's acceptance must stay without a failure DSN to count as handed over."""
    try:
        from relay.settings import get_settings

        return timedelta(days=get_settings().receipts.quiet_period_days)
    except Exception:  # noqa: BLE001 - a report must not fail on a settings file it does not need
        return DEFAULT_QUIET


def compute_ladders(session: Session, facts: dict[int, dict], *, now: datetime | None = None,
                    quiet: timedelta | None = None) -> list[dict]:
    """One row (the columns of ReportReach) per targeted municipality of each active alert in facts."""
    now, quiet = now or utcnow(), quiet if quiet is not None else quiet_period()
    # Withdrawn alerts get their rows too (their pairs say "not sent: withdrawn" on the alert's page);
    # the roll-ups count active alerts only (relay.reports.refresh).
    ids = list(facts)
    if not ids:
        return []
    rows: dict[tuple[int, int], dict] = {}
    for alert_id, muni_id, county_id in session.execute(
        select(AlertTarget.alert_id, AlertTarget.municipality_id, Organisation.county_id)
        .join(Organisation, Organisation.id == AlertTarget.municipality_id).where(AlertTarget.alert_id.in_(ids))
    ):
        f = facts[alert_id]
        rows[alert_id, muni_id] = {
            "alert_id": alert_id, "municipality_id": muni_id, "office_id": f["office_id"],
            "county_id": county_id or 0, "month": f["month"], "body": f["body"], "approved_at": f["approved_at"],
            "contacts": 0, "sent_at": None, "accepted_at": None, "delivered_at": None, "bounced_at": None,
            "bounces": 0, "clicks": 0, "bot_clicks": 0, "clicked_at": None, "acknowledged_at": None, "acks": 0,
            "follow_up": None, "rung": None, "reason": None, "acceptance": None, "settles_at": None,
            "_messages": [],
        }
    _add_messages(session, ids, rows)
    _add_clicks(session, ids, rows)
    _add_folded_clicks(session, ids, rows)
    _add_acknowledgements(session, ids, rows)
    routes = routable(session, {r["municipality_id"] for r in rows.values()})
    for row in rows.values():
        sectors, muni = facts[row["alert_id"]]["sectors"], row["municipality_id"]
        # An assignment without its message yet is the planner's promise: rendering makes the message.
        ok = row["contacts"] > 0 or (muni, None) in routes or any(
            carries(routes[muni, s], row["approved_at"], False) for s in sectors if (muni, s) in routes)
        rung, reason = pair_rung([message_rung(m, now=now, quiet=quiet) for m in row.pop("_messages")],
                                 person_evidence=bool(row["clicks"] or row["acks"]), routable=ok,
                                 withdrawn=facts[row["alert_id"]]["status"] != "active")
        row.update(rung=rung.name, reason=reason, acceptance=rung.acceptance, settles_at=rung.settles_at)
    return list(rows.values())


def routable(session: Session, munis: set[int]) -> dict[tuple[int, str | None], datetime | None]:
    """(municipality, sector) → the earliest start of an active subscription, and (municipality, None)
    for a working fallback: where the planner can still send (relay.digests.plan, which also decides
    with `carries` whether a newer subscription takes an older alert). A bouncing address is no route."""
    if not munis:
        return {}
    routes: dict[tuple[int, str | None], datetime | None] = {}
    for muni, kind, sector, since in session.execute(
        select(Contact.municipality_id, Contact.kind, Subscription.sector, Subscription.created_at)
        .outerjoin(Subscription, (Subscription.contact_id == Contact.id) & Subscription.active.is_(True))
        .where(Contact.municipality_id.in_(munis), Contact.status == "active")
    ):
        if kind == "fallback":
            routes[muni, None] = None
        elif sector is not None:
            known = routes.get((muni, sector))
            routes[muni, sector] = since if known is None else min(known, since)
    return routes


def _add_messages(session: Session, ids: list[int], rows: dict) -> None:
    by_message: dict[int, list[tuple[int, int]]] = defaultdict(list)
    message_facts: dict[int, MessageFacts] = {}
    for alert_id, muni_id, message_id, created_at, sent_at, status, host in session.execute(
        select(Assignment.alert_id, Assignment.municipality_id, Message.id, Message.created_at, Message.sent_at,
               Message.status, Message.remote_host)
        .outerjoin(Message, Message.id == Assignment.message_id).where(Assignment.alert_id.in_(ids))
    ):
        row = rows.get((alert_id, muni_id))
        if row is None:
            continue  # a contact outside the alert's targets: not part of the alert's reach
        row["contacts"] += 1
        if message_id is None:
            continue
        by_message[message_id].append((alert_id, muni_id))
        if message_id not in message_facts:
            message_facts[message_id] = MessageFacts(status=status, remote_host=host, accepted_at=sent_at)
        row["_messages"].append(message_facts[message_id])
        row["sent_at"] = _earliest(row["sent_at"], created_at)
        row["accepted_at"] = _earliest(row["accepted_at"], sent_at)
    # No condition on kind in SQL: with one, the planner may prefer an index on (kind, occurred_at)
    # and read every event of that kind; by message id it reads the few events of these messages.
    events = session.execute(
        select(ReceiptEvent.message_id, ReceiptEvent.kind, func.min(ReceiptEvent.occurred_at))
        .where(ReceiptEvent.message_id.in_(select(Assignment.message_id).where(Assignment.alert_id.in_(ids))))
        .group_by(ReceiptEvent.message_id, ReceiptEvent.kind)
    )
    for message_id, kind, first in events:
        if kind not in MESSAGE_RUNGS:
            continue
        m = message_facts[message_id]
        setattr(m, f"{kind}_at", _earliest(getattr(m, f"{kind}_at"), first))
        if kind == "read":
            continue
        for pair in by_message.get(message_id, ()):
            row = rows[pair]
            row[f"{kind}_at"] = _earliest(row[f"{kind}_at"], first)
            if kind == "bounced":
                row["bounces"] += 1


def _add_clicks(session: Session, ids: list[int], rows: dict) -> None:
    automated = ReceiptEvent.filtered.is_not(None)
    for alert_id, muni_id, is_bot, count, first in session.execute(
        select(ReceiptEvent.alert_id, ReceiptEvent.municipality_id, automated, func.count(), func.min(ReceiptEvent.occurred_at))
        .where(ReceiptEvent.alert_id.in_(ids), ReceiptEvent.kind == "clicked")
        .group_by(ReceiptEvent.alert_id, ReceiptEvent.municipality_id, automated)
    ):
        row = rows.get((alert_id, muni_id))
        if row is None:
            continue
        if is_bot:
            row["bot_clicks"] += count
        else:
            row["clicks"] += count
            row["clicked_at"] = _earliest(row["clicked_at"], first)


def _add_folded_clicks(session: Session, ids: list[int], rows: dict) -> None:
    """Clicks that retention (relay.ops.retention) has folded into monthly counts still count."""
    from relay.models.ops import ReceiptEventMonth as Folded

    for alert_id, muni_id, is_bot, count in session.execute(
        select(Folded.alert_id, Folded.municipality_id, Folded.filtered, func.sum(Folded.count))
        .where(Folded.alert_id.in_(ids), Folded.kind == "clicked")
        .group_by(Folded.alert_id, Folded.municipality_id, Folded.filtered)
    ):
        row = rows.get((alert_id, muni_id))
        if row is not None:
            row["bot_clicks" if is_bot else "clicks"] += int(count)


def _add_acknowledgements(session: Session, ids: list[int], rows: dict) -> None:
    for alert_id, muni_id, at, follow_up in session.execute(
        select(Acknowledgement.alert_id, Acknowledgement.municipality_id, Acknowledgement.acknowledged_at,
               Acknowledgement.follow_up).where(Acknowledgement.alert_id.in_(ids))
    ):
        row = rows.get((alert_id, muni_id))
        if row is None:
            continue
        row["acks"] += 1
        row["acknowledged_at"] = _earliest(row["acknowledged_at"], at)
        row["follow_up"] = most_advanced(row["follow_up"], follow_up)


def most_advanced(a: str | None, b: str | None) -> str | None:
    rank = {name: i for i, name in enumerate(FOLLOW_UP_ORDER)}
    return max((x for x in (a, b) if x in rank), key=rank.__getitem__, default=None)


EXACT_HOURS = 24


def latency_hours(row) -> int | None:
    """Approval to first acknowledgement, the median's unit: whole hours (rounded down) for the first
    24 hours, whole days (in hours: 24, 48, …) after that. Days are precise enough for a slower answer,
    and they keep the latency histogram small enough to read on every page view."""
    acked, approved = _get(row, "acknowledged_at"), _get(row, "approved_at")
    if acked is None:
        return None
    hours = max(0, int((acked - approved).total_seconds() // 3600))
    return hours if hours < EXACT_HOURS else hours // 24 * 24


def _get(row, name):
    return row[name] if isinstance(row, dict) else getattr(row, name)
