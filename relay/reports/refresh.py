"""Keep the report aggregates current by recomputing only the alerts something happened to.

Each refresh reads what arrived since the last one (receipt events, assignments, messages by id;
acknowledgements by update time; alerts by comparing them with what was counted), recomputes
those alerts' ladders from the source tables, and adds the difference between the new and the
old ladders to the roll-ups. Recomputing a whole alert is idempotent, so reading a little too
much (the look-backs below) costs time but never correctness.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from relay.db import transaction
from relay.models import (
    Acknowledgement,
    Alert,
    Assignment,
    Contact,
    Message,
    ReceiptEvent,
    ReportAlert,
    ReportCell,
    ReportLatency,
    ReportMunicipalityMonth,
    ReportReach,
    ReportState,
    Subscription,
    utcnow,
)
from relay.models.reports import ALL, ALL_ID, GRAIN_BODY, GRAIN_COUNTY, GRAIN_OFFICE, GRAIN_SECTOR, LADDER
from relay.reports.evidence import CONFIRMED, NOT_SENT, is_not_reached, is_reached, rung_counts
from relay.reports.reach import alert_facts, compute_ladders, latency_hours

# On PostgreSQL a row with a lower id can commit after one with a higher id; re-reading the last
# ids and minutes catches such late commits at the next refresh.
ID_LOOKBACK = 1000
ACK_LOOKBACK = timedelta(minutes=5)
BATCH = 400
FOLLOW_UP_COLUMN = {"not-relevant": "fu_not_relevant", "noted": "fu_noted", "will-follow-up": "fu_will_follow_up",
                    "followed-up": "fu_followed_up"}


def _marks(session: Session) -> dict:
    """Where each source table stands now, in index lookups only (cheap enough for every page view)."""
    alerts = session.execute(select(func.count(), func.max(Alert.id), func.count().filter(Alert.status != "active"))).one()
    return {
        "event_id": session.scalar(select(func.max(ReceiptEvent.id))) or 0,
        "assignment_id": session.scalar(select(func.max(Assignment.id))) or 0,
        "message_id": session.scalar(select(func.max(Message.id))) or 0,
        "ack_updated_at": session.scalar(select(func.max(Acknowledgement.updated_at))),
        "alerts_fingerprint": ":".join(str(v or 0) for v in alerts),
        "routes_fingerprint": _routes_fingerprint(session),
    }


def _routes_fingerprint(session: Session) -> str:
    """Contacts and subscriptions as they stand: whether a pair not sent is a gap or not yet due
    depends on them, and they change without any receipt event."""
    contacts = session.execute(select(func.count(), func.max(Contact.id),
                                      func.count().filter(Contact.status == "active"))).one()
    subs = session.execute(select(func.count(), func.max(Subscription.id),
                                  func.count().filter(Subscription.active.is_(True)))).one()
    return ":".join(str(v or 0) for v in (*contacts, *subs))


def _settled(session: Session, now) -> bool:
    """A pair's quiet period has ended since it was counted: time alone moves it to handed over."""
    return session.scalar(select(ReportReach.alert_id).where(ReportReach.settles_at <= now).limit(1)) is not None


def is_stale(session: Session) -> bool:
    state = session.get(ReportState, 1)
    if state is None:
        return True
    return any(getattr(state, name) != value for name, value in _marks(session).items()) or _settled(session, utcnow())


def ensure_fresh(engine: Engine) -> int:
    """Refresh when anything changed; the number of alerts recomputed (0 when already current).

    The check and the refresh are separate transactions: on SQLite a transaction that has read
    cannot start writing once another connection has written, so the refresh starts by writing."""
    with transaction(engine) as session:
        if not is_stale(session):
            return 0
    with transaction(engine) as session:
        return refresh(session=session)


def refresh(*, session: Session, full: bool = False) -> int:
    """Bring the aggregates up to date inside the caller's transaction; full=True recomputes every alert."""
    # Bump the version first: the row lock makes a second refresher wait for this one and then
    # find nothing left to do, instead of adding the same differences twice.
    if not session.execute(update(ReportState).where(ReportState.id == 1).values(version=ReportState.version + 1)).rowcount:
        session.execute(insert(ReportState).values(id=1, version=1, alerts_fingerprint=""))
    state = session.get(ReportState, 1)
    session.refresh(state)
    marks = _marks(session)
    never_counted = not (state.event_id or state.assignment_id or state.message_id)
    dirty = _all_alerts(session) if full or never_counted else _dirty_alerts(session, state)
    ordered = sorted(dirty)
    for start in range(0, len(ordered), BATCH):
        _recompute(session, ordered[start:start + BATCH])
    for name, value in marks.items():
        setattr(state, name, value)
    state.refreshed_at = utcnow()
    session.flush()
    return len(dirty)


def rebuild(*, session: Session) -> int:
    """Throw the aggregates away and count everything again (after a change of definitions)."""
    for model in (ReportCell, ReportLatency, ReportMunicipalityMonth, ReportReach, ReportAlert, ReportState):
        session.execute(delete(model))
    return refresh(session=session, full=True)


def _all_alerts(session: Session) -> set[int]:
    return set(session.scalars(select(Alert.id))) | set(session.scalars(select(ReportAlert.alert_id)))


def _dirty_alerts(session: Session, state: ReportState) -> set[int]:
    dirty: set[int] = set()
    # No DISTINCT and no joins here: each query starts from the new ids (a range on the primary key)
    # and probes by index, so it costs what arrived, not what exists; the set removes duplicates.
    since_event = max(0, state.event_id - ID_LOOKBACK)
    new_events = select(ReceiptEvent.message_id).where(ReceiptEvent.id > since_event)
    dirty.update(session.scalars(select(ReceiptEvent.alert_id)
                                 .where(ReceiptEvent.id > since_event, ReceiptEvent.alert_id.is_not(None))))
    # Message-level rungs (accepted, delivered, bounced) name the message, not the alert.
    dirty.update(session.scalars(select(Assignment.alert_id).where(Assignment.message_id.in_(new_events))))
    dirty.update(session.scalars(select(Assignment.alert_id)
                                 .where(Assignment.id > max(0, state.assignment_id - ID_LOOKBACK))))
    new_messages = select(Message.id).where(Message.id > max(0, state.message_id - ID_LOOKBACK))
    dirty.update(session.scalars(select(Assignment.alert_id).where(Assignment.message_id.in_(new_messages))))
    if state.ack_updated_at is not None:
        acks = select(Acknowledgement.alert_id).where(Acknowledgement.updated_at > state.ack_updated_at - ACK_LOOKBACK)
    else:
        acks = select(Acknowledgement.alert_id)
    dirty.update(session.scalars(acks))
    # New, withdrawn, re-dated or deleted alerts: compare every alert with what was counted.
    counted = ReportAlert.__table__
    changed = select(Alert.id).outerjoin(counted, counted.c.alert_id == Alert.id).where(
        (counted.c.alert_id.is_(None)) | (counted.c.status != Alert.status) | (counted.c.office_id != Alert.office_id)
        | (counted.c.approved_at != Alert.approved_at))
    dirty.update(session.scalars(changed))
    dirty.update(session.scalars(select(ReportAlert.alert_id).where(~exists().where(Alert.id == ReportAlert.alert_id))))
    dirty.update(session.scalars(select(ReportReach.alert_id).where(ReportReach.settles_at <= utcnow())))
    if state.routes_fingerprint != _routes_fingerprint(session):
        dirty.update(session.scalars(select(ReportReach.alert_id).where(ReportReach.rung == NOT_SENT)))
    return dirty


def _recompute(session: Session, alert_ids: list[int]) -> None:
    old_alerts = {a.alert_id: a for a in session.scalars(select(ReportAlert).where(ReportAlert.alert_id.in_(alert_ids)))}
    old_rows = session.scalars(select(ReportReach).where(ReportReach.alert_id.in_(alert_ids))).all()
    facts = alert_facts(session, alert_ids)
    new_rows = compute_ladders(session, facts)
    delta = _Delta()
    for row in old_rows:
        counted = old_alerts.get(row.alert_id)
        if counted is not None and counted.status == "active":  # withdrawn alerts' rows were never added
            delta.add(row, counted.sectors.split(), -1)
    for row in new_rows:
        if facts[row["alert_id"]]["status"] == "active":
            delta.add(row, facts[row["alert_id"]]["sectors"], +1)
    session.execute(delete(ReportReach).where(ReportReach.alert_id.in_(alert_ids)))
    session.execute(delete(ReportAlert).where(ReportAlert.alert_id.in_(alert_ids)))
    if new_rows:
        # Core executemany on the session's connection: the ORM's bulk path sends these in many small statements.
        session.connection().execute(insert(ReportReach.__table__), new_rows)
    if facts:
        session.connection().execute(insert(ReportAlert.__table__),
                                     [_alert_row(alert_id, facts, new_rows) for alert_id in facts])
    delta.apply(session)


def _alert_row(alert_id: int, facts: dict, rows: list[dict]) -> dict:
    f, own = facts[alert_id], [r for r in rows if r["alert_id"] == alert_id]
    return {"alert_id": alert_id, "office_id": f["office_id"], "month": f["month"], "body": f["body"],
            "sectors": " ".join(f["sectors"]), "approved_at": f["approved_at"], "status": f["status"],
            "targeted": len(own), "reached": sum(is_reached(r) for r in own),
            "acknowledged": sum(r["acknowledged_at"] is not None for r in own),
            "confirmed": sum(r["rung"] == CONFIRMED for r in own), "not_reached": sum(is_not_reached(r) for r in own)}


def _get(row, name):
    return row[name] if isinstance(row, dict) else getattr(row, name)


class _Delta:
    """Signed differences for the three roll-ups, collected in memory and written in one upsert each."""

    def __init__(self):
        self.cells: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(LADDER))
        self.latency: dict[tuple, int] = defaultdict(int)
        self.munis: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(MUNI_VALUES))

    def add(self, row, sectors: list[str], sign: int) -> None:
        g = lambda name: _get(row, name)  # noqa: E731
        counts = {"targeted": 1, "sent": g("sent_at") is not None, "reached": is_reached(row), **rung_counts(row),
                  "delivered": g("delivered_at") is not None, "bounced": g("bounced_at") is not None,
                  "clicked": g("clicks") > 0, "clicks": g("clicks"), "bot_clicks": g("bot_clicks"),
                  "acknowledged": g("acknowledged_at") is not None}
        if g("follow_up") in FOLLOW_UP_COLUMN:
            counts[FOLLOW_UP_COLUMN[g("follow_up")]] = 1
        vector = [sign * int(counts.get(name, 0)) for name in LADDER]
        base = (g("office_id"), g("county_id"), g("month"), g("body"))
        hours = latency_hours(row)
        for sector in (ALL, *sectors):
            cell = self.cells[base + (sector,)]
            for i, value in enumerate(vector):
                cell[i] += value
            if hours is not None:
                self.latency[base + (sector, hours)] += sign
        muni = self.munis[(g("municipality_id"), g("office_id"), g("month"))]
        for i, value in enumerate((1, counts["reached"], counts["acknowledged"], counts.get("confirmed", 0),
                                   is_not_reached(row))):
            muni[i] += sign * int(value)

    def apply(self, session: Session) -> None:
        cell_keys = ("grain", "sector", "body", "county_id", "office_id", "month")
        _increment(session, ReportCell, cell_keys, LADDER,
                   [dict(zip(cell_keys + LADDER, k + tuple(v), strict=True)) for k, v in _at_grains(self.cells).items()
                    if any(v)])
        lat_keys = cell_keys + ("hours",)
        _increment(session, ReportLatency, lat_keys, ("pairs",),
                   [dict(zip(lat_keys, k, strict=True), pairs=v) for k, v in _at_grains(self.latency).items() if v])
        muni_keys = ("municipality_id", "office_id", "month")
        muni_values = MUNI_VALUES
        _increment(session, ReportMunicipalityMonth, muni_keys, muni_values,
                   [dict(zip(muni_keys + muni_values, k + tuple(v), strict=True)) for k, v in self.munis.items() if any(v)])


MUNI_VALUES = ("targeted", "reached", "acknowledged", "confirmed", "not_reached")
# (county, office) kept: neither, the office alone, or both (a county implies its office; models/reports.py).
_PLACES = ((0, 0), (0, GRAIN_OFFICE), (GRAIN_COUNTY, GRAIN_OFFICE))


def _at_grains(fine: dict[tuple, list[int] | int]) -> dict[tuple, list[int] | int]:
    """Roll the finest keys (office, county, month, body, sector[, hours]) up to the stored grains
    (grain, sector, body, county, office, month[, hours]): each fine key adds to the six grains of
    its sector kind (with or without its body, × neither/office/county and office). Summing here,
    per distinct key, costs far less than expanding every pair six times."""
    out: dict[tuple, list[int] | int] = {}
    for key, value in fine.items():
        office, county, month, body, sector, *hours = key
        sector_bit = GRAIN_SECTOR if sector != ALL else 0
        for county_bit, office_bit in _PLACES:
            for body_bit in (0, GRAIN_BODY):
                target = (sector_bit | county_bit | office_bit | body_bit, sector, body if body_bit else ALL,
                          county if county_bit else ALL_ID, office if office_bit else ALL_ID, month, *hours)
                if isinstance(value, int):
                    out[target] = out.get(target, 0) + value
                else:
                    known = out.get(target)
                    out[target] = list(value) if known is None else [a + b for a, b in zip(known, value, strict=True)]
    return out


def _increment(session: Session, model, keys: tuple, values: tuple, rows: list[dict]) -> None:
    """INSERT … ON CONFLICT DO UPDATE SET c = c + excluded.c: one statement on both databases."""
    if not rows:
        return
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = model.__table__
    statement = module.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={v: table.c[v] + statement.excluded[v] for v in values})
    session.connection().execute(statement, rows)
