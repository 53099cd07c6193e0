"""The national dashboard and one alert's drill-down at 1× and 10× the receipt events, in one run.

SQLite: 100k then 1M receipt events (--quick: 10k then 100k). With RELAY_BENCH_DATABASE_URL set to
a PostgreSQL database (emptied!), also 1M then 10M there. The data grow the way Relay's would:
more alerts over the same year to the same 357 municipalities. Figures per size: the dashboard
and one alert's drill-down (median of 5, aggregates current), the refresh that counted the new
events, and an incremental refresh after 1,000 new events. Goal: 10× data costs ≤ 2× time.

    python -m benchmarks.dashboard [--quick]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

from relay import migrate
from relay.db import make_engine, transaction
from relay.models import Alert, Contact, Organisation, ReceiptEvent
from relay.register import load_register
from relay.reports.drilldown import alert_report
from relay.reports.national import national_report
from relay.reports.refresh import ensure_fresh
from relay.reports.schemas import Filters

EVENTS_PER_ALERT = 225  # ≈ 36 municipalities × 2 contacts × 3.1 events
YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
SECTORS = ("child-welfare", "education", "health-care", "elderly-care", "disability", "housing")
COLUMNS = {  # in foreign-key order
    "item": ("id", "key", "kind", "body", "title", "states", "text", "meta", "date_plausible", "key_case", "relevant",
             "content_hash", "first_seen_at", "updated_at"),
    "alert": ("id", "item_id", "office_id", "title_nb", "title_nn", "summary_nb", "summary_nn", "meaning_nb",
              "meaning_nn", "nynorsk_origin", "priority", "status", "approved_at"),
    "alert_sector": ("alert_id", "sector"),
    "alert_target": ("alert_id", "municipality_id"),
    "message": ("id", "purpose_key", "kind", "contact_id", "to_address", "envelope_from", "subject",
                "message_id_header", "status", "attempts", "possible_duplicates", "created_at",
                "next_attempt_at", "sent_at"),
    "assignment": ("id", "alert_id", "contact_id", "municipality_id", "via", "message_id", "assigned_at"),
    "receipt_event": ("id", "dedupe_key", "kind", "occurred_at", "message_id", "alert_id", "contact_id",
                      "municipality_id", "filtered", "evidence"),
    "acknowledgement": ("alert_id", "contact_id", "municipality_id", "acknowledged_at", "follow_up", "updated_at"),
}


class Loader:
    """Bulk rows straight into the driver (COPY on PostgreSQL): the ORM would dominate the run."""

    def __init__(self, engine):
        self.engine, self.pg = engine, engine.dialect.name == "postgresql"
        self.rows: dict[str, list[tuple]] = {name: [] for name in COLUMNS}
        self.next_id = {name: 1 for name in COLUMNS}

    def add(self, table: str, row: tuple) -> None:
        self.rows[table].append(row)

    def flush(self) -> None:
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            for table, rows in self.rows.items():
                if not rows:
                    continue
                cols = COLUMNS[table]
                if self.pg:
                    with cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    marks = ", ".join("?" * len(cols))
                    cursor.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})",  # noqa: S608
                                       [tuple(_sqlite(v) for v in row) for row in rows])
                rows.clear()
            raw.commit()
        finally:
            raw.close()


def _sqlite(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _world(engine) -> tuple[dict[int, list[int]], dict[int, list[tuple[int, int]]]]:
    """offices → municipality ids, and municipality → its (contact id, kind) pairs (two each)."""
    with transaction(engine) as session:
        load_register(session=session, profile="no")
        munis = session.execute(select(Organisation.id, Organisation.office_id).where(
            Organisation.kind == "municipality")).all()
        session.execute(insert(Contact), [{"email": f"k{m}-{n}@bench.test", "municipality_id": m, "status": "active",
                                           "kind": "person", "created_at": YEAR_START} for m, _ in munis for n in (1, 2)])
    with transaction(engine) as session:
        contacts: dict[int, list[int]] = {}
        for contact_id, muni in session.execute(select(Contact.id, Contact.municipality_id)):
            contacts.setdefault(muni, []).append(contact_id)
    offices: dict[int, list[int]] = {}
    for muni, office in munis:
        offices.setdefault(office, []).append(muni)
    return offices, contacts


def grow(engine, loader: Loader, offices, contacts, events: int, rng: random.Random) -> None:
    """Add alerts until `events` more receipt events exist, spread over the same year."""
    made, office_ids = 0, sorted(offices)
    while made < events:
        alert_id = loader.next_id["alert"]
        loader.next_id["alert"] += 1
        office = office_ids[alert_id % len(office_ids)]
        approved = YEAR_START + timedelta(minutes=rng.randint(0, 364 * 24 * 60))
        loader.add("item", (alert_id, f"bench:{alert_id}", "judgment", rng.choice(("ECHR", "CRC", "ESC", "CEDAW")),
                            "Case", "NOR", "", "{}", True, False, True, "", approved, approved))
        loader.add("alert", (alert_id, alert_id, office, f"Varsel {alert_id}", "", "", "", "", "", "manual", "normal",
                             "active", approved))
        for sector in rng.sample(SECTORS, rng.randint(1, 3)):
            loader.add("alert_sector", (alert_id, sector))
        for muni in offices[office]:
            loader.add("alert_target", (alert_id, muni))
            for contact in contacts[muni]:
                made += _ladder(loader, rng, alert_id, muni, contact, approved)
        if len(loader.rows["receipt_event"]) > 200_000:
            loader.flush()
    loader.flush()


def _ladder(loader: Loader, rng: random.Random, alert_id: int, muni: int, contact: int, approved: datetime) -> int:
    message_id, assignment_id = loader.next_id["message"], loader.next_id["assignment"]
    loader.next_id["message"] += 1
    loader.next_id["assignment"] += 1
    queued = approved + timedelta(minutes=rng.randint(1, 600))
    accepted = queued + timedelta(seconds=rng.randint(1, 300)) if rng.random() < 0.97 else None
    loader.add("message", (message_id, f"bench:{message_id}", "alert", contact, "x@bench.test", "b@relay.test", "V",
                           f"<{message_id}@bench>", "sent" if accepted else "queued", 1, 0, queued, queued, accepted))
    loader.add("assignment", (assignment_id, alert_id, contact, muni, "immediate", message_id, approved))
    events = []
    if accepted:
        events.append(("accepted", accepted, message_id, None, None))
        if rng.random() < 0.2:
            events.append(("delivered", accepted + timedelta(minutes=2), message_id, None, None))
        for n in range(rng.choice((0, 1, 1, 2))):
            events.append(("clicked", accepted + timedelta(seconds=2 + n), message_id, alert_id, "scanner-agent"))
        for n in range(rng.choice((0, 0, 1))):
            events.append(("clicked", accepted + timedelta(hours=1 + n), message_id, alert_id, None))
        if rng.random() < 0.4:
            at = accepted + timedelta(minutes=rng.randint(10, 9000))
            events.append(("acknowledged", at, None, alert_id, None))
            loader.add("acknowledgement", (alert_id, contact, muni, at, "noted", at))
    elif rng.random() < 0.5:
        events.append(("bounced", queued + timedelta(minutes=1), message_id, None, None))
    for kind, at, message, alert, filtered in events:
        event_id = loader.next_id["receipt_event"]
        loader.next_id["receipt_event"] += 1
        loader.add("receipt_event", (event_id, f"b{event_id}", kind, at, message, alert, contact, muni, filtered, "{}"))
    return len(events)


def _settle(engine, *, vacuum: bool = False) -> None:
    """PostgreSQL in the state production reaches within a minute or so: after a bulk COPY the
    statistics autovacuum would gather (without them the planner guesses row counts, and a
    drill-down may scan instead of probing); after the refresh that counted it, also the vacuum
    autovacuum would run on roll-ups that just had every row updated many times (their dead
    versions would otherwise be read by the first dashboards)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE" if vacuum else "ANALYZE"))


def _median_time(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(engine, label: str, alert_id: int) -> dict:
    """alert_id: the same alert at both sizes (an alert's size does not grow with the data)."""
    started = time.perf_counter()
    ensure_fresh(engine)
    refresh_s = time.perf_counter() - started
    _settle(engine, vacuum=True)
    with transaction(engine) as session:
        events = session.scalar(select(func.count()).select_from(ReceiptEvent))

    def dashboard():
        ensure_fresh(engine)  # what every page view does: a few index lookups when nothing changed
        with transaction(engine) as session:
            national_report(session=session, filters=Filters())

    def drilldown():
        with transaction(engine) as session:
            alert_report(session=session, alert_id=alert_id)

    figures = {f"{label} receipt events": events, f"{label} refresh after loading (s)": refresh_s,
               f"{label} dashboard (s)": _median_time(dashboard), f"{label} alert drill-down (s)": _median_time(drilldown)}
    figures[f"{label} incremental refresh, 1,000 new events (s)"] = _incremental(engine, alert_id + 1)
    return figures


def _incremental(engine, alert_id: int) -> float:
    with transaction(engine) as session:
        first = session.scalar(select(func.max(ReceiptEvent.id))) + 1
        session.execute(insert(ReceiptEvent), [{
            "id": first + n, "dedupe_key": f"inc{first + n}", "kind": "clicked", "occurred_at": YEAR_START,
            "alert_id": alert_id, "filtered": "head-request", "evidence": {}} for n in range(1000)])
    started = time.perf_counter()
    ensure_fresh(engine)
    return time.perf_counter() - started


def scenario(url: str, base: int, name: str) -> dict:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        with engine.begin() as conn:
            conn.execute(text("PRAGMA synchronous=OFF"))  # loading speed only; measured reads are unaffected
    migrate.upgrade(engine)
    rng, loader = random.Random(9), Loader(engine)
    offices, contacts = _world(engine)
    grow(engine, loader, offices, contacts, base, rng)
    _settle(engine)
    largest = max(offices, key=lambda o: len(offices[o]))
    with transaction(engine) as session:
        alert_id = session.scalar(select(func.min(Alert.id)).where(Alert.office_id == largest))
    figures = measure(engine, f"{name} 1×", alert_id)
    loader.next_id["receipt_event"] += 1000  # the incremental measurement's events
    grow(engine, loader, offices, contacts, 9 * base, rng)
    _settle(engine)
    figures.update(measure(engine, f"{name} 10×", alert_id))
    for what in ("dashboard (s)", "alert drill-down (s)"):
        figures[f"{name} 10×/1× {what.split(' (')[0]}"] = figures[f"{name} 10× {what}"] / figures[f"{name} 1× {what}"]
    engine.dispose()
    return figures


def run(quick: bool = False) -> dict:
    base = 10_000 if quick else 100_000
    with tempfile.TemporaryDirectory() as folder:
        figures = scenario(f"sqlite:///{Path(folder) / 'bench.db'}", base, "sqlite")
    url = os.environ.get("RELAY_BENCH_DATABASE_URL")
    if url:
        figures.update(scenario(url, 100_000 if quick else 1_000_000, "postgresql"))
    return figures


if __name__ == "__main__":
    from benchmarks.__main__ import _format

    for key, value in run(quick="--quick" in sys.argv).items():
        print(f"{key:<55} {_format(value)}")
