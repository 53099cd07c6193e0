"""A year of Relay activity for every municipality, written to the database, with its ground truth.

`plan_year` decides everything first (contacts, subscriptions, alerts, who gets what, which
messages are accepted, bounce or are delivered, clicks by people and by scanners,
acknowledgements), `write` stores the plan through the models, and `truth` computes every report
figure from the plan alone, with plain Python and without relay.reports, so a test can demand
that the reports agree with it exactly.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert

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
)

SECTORS = (
    "governance", "child-welfare", "education", "health-care", "elderly-care", "disability", "social-services",
    "housing", "planning-environment", "integration", "minorities-sami", "equality-violence", "privacy",
    "democracy-participation", "culture-language-religion", "employment", "justice-detention",
)
BODIES = ("ECHR", "CRC", "ESC", "CEDAW", "ECRI", None)
FOLLOW_UPS = (None, "not-relevant", "noted", "will-follow-up", "followed-up")
OSLO = ZoneInfo("Europe/Oslo")
YEAR = 2025


@dataclass
class World:
    offices: list[int] = field(default_factory=list)
    munis: dict[int, dict] = field(default_factory=dict)  # id → {code, office, county}
    contacts: dict[str, dict] = field(default_factory=dict)  # key → {muni, kind, status, subs{sector: active}}
    alerts: dict[str, dict] = field(default_factory=dict)  # key → {office, approved_at, body, sectors, status, targets}
    assignments: list[dict] = field(default_factory=list)  # {alert, contact, muni, via, message}
    messages: dict[str, dict] = field(default_factory=dict)  # key → {contact, created_at, accepted_at, bounced_at, delivered_at, queued}
    clicks: list[dict] = field(default_factory=list)  # {alert, contact, muni, at, bot}
    acks: list[dict] = field(default_factory=list)  # {alert, contact, muni, at, follow_up}
    ids: dict[str, int] = field(default_factory=dict)  # plan key → database id


def plan_year(munis: list[Organisation], seed: int = 9) -> World:
    rng = random.Random(seed)
    world = World()
    for m in munis:
        world.munis[m.id] = {"code": m.code, "office": m.office_id, "county": m.county_id,
                             "fallback": rng.random() < 0.7}
    world.offices = sorted({m["office"] for m in world.munis.values()})
    for muni_id, m in world.munis.items():
        for n in range(rng.choice((0, 1, 1, 2, 3))):
            status = rng.choices(("active", "bouncing", "unsubscribed"), (0.85, 0.1, 0.05))[0]
            subs = {s: rng.random() < 0.85 for s in rng.sample(SECTORS, rng.randint(1, 5))}
            world.contacts[f"c{muni_id}-{n}"] = {"muni": muni_id, "kind": rng.choice(("person", "function")),
                                                 "status": status, "subs": subs}
        if rng.random() < 0.08:
            # A late subscriber: subscribed on 1 July, so alerts from before that are not its to carry,
            # except the ones of the month it missed that nobody in the municipality got.
            subs = {s: True for s in rng.sample(SECTORS, rng.randint(1, 4))}
            world.contacts[f"l{muni_id}"] = {"muni": muni_id, "kind": "person", "status": "active", "subs": subs,
                                            "start": LATE_START}
        if m["fallback"]:
            # A dead postmottak: its mailbox refuses everything (a mailbox-level failure), so it is no route.
            status = "bouncing" if rng.random() < 0.1 else "active"
            world.contacts[f"f{muni_id}"] = {"muni": muni_id, "kind": "fallback", "status": status, "subs": {}}
    by_office = defaultdict(list)
    for muni_id, m in world.munis.items():
        by_office[m["office"]].append(muni_id)
    n = 0
    for office in world.offices:
        for month in range(1, 13):
            for _ in range(rng.choice((1, 1, 2))):
                n += 1
                day = rng.randint(1, 28)
                approved = datetime(YEAR, month, day, rng.randint(6, 15), rng.randint(0, 59), tzinfo=UTC)
                if n % 17 == 0 and month < 12:  # 23:30 UTC on the last day = 00:30 the next month in Oslo
                    approved = datetime(YEAR, month + 1, 1, tzinfo=UTC) - timedelta(minutes=30)
                pool = by_office[office]
                targets = rng.sample(pool, max(1, int(len(pool) * rng.uniform(0.5, 1.0))))
                world.alerts[f"a{n}"] = {"office": office, "approved_at": approved, "body": rng.choice(BODIES),
                                         "sectors": sorted(rng.sample(SECTORS, rng.randint(1, 3))),
                                         "status": "withdrawn" if n % 23 == 0 else "active", "targets": targets}
    _plan_sending(world, rng)
    return world


def _recipients(world: World, alert: dict, muni_id: int) -> list[tuple[str, str]]:
    follows = [(key, c) for key, c in world.contacts.items()
               if c["muni"] == muni_id and c["kind"] != "fallback" and c["status"] in ("active", "bouncing")
               and any(c["subs"].get(s) for s in alert["sectors"])]
    chosen = [(key, "digest") for key, c in follows if not c.get("start")]
    approved = alert["approved_at"]
    chosen += [(key, "digest") for key, c in follows if c.get("start") and (
        c["start"] <= approved or (not chosen and c["start"] - approved <= BACKLOG))]
    if not chosen and f"f{muni_id}" in world.contacts:
        chosen = [(f"f{muni_id}", "fallback")]
    return chosen


def _plan_sending(world: World, rng: random.Random) -> None:
    # A digest carries every alert of its contact's month, so it is queued after the last of them.
    for alert_key, alert in world.alerts.items():
        if alert["status"] != "active" and rng.random() < 0.5:
            continue  # some withdrawn alerts were never sent
        period = alert["approved_at"].astimezone(OSLO).strftime("%Y-%m")
        for muni_id in alert["targets"]:
            for contact_key, via in _recipients(world, alert, muni_id):
                message_key = None if rng.random() < 0.03 else f"m{contact_key}-{period}"
                world.assignments.append({"alert": alert_key, "contact": contact_key, "muni": muni_id, "via": via,
                                          "message": message_key})
    last_alert = defaultdict(lambda: datetime.min.replace(tzinfo=UTC))
    for a in world.assignments:
        if a["message"]:
            last_alert[a["message"]] = max(last_alert[a["message"]], world.alerts[a["alert"]]["approved_at"])
    for message_key, newest in last_alert.items():
        contact_key = message_key[1:].rsplit("-", 2)[0]
        world.messages[message_key] = _plan_message(rng, world.contacts[contact_key], newest, contact_key)
    for a in world.assignments:
        message = world.messages.get(a["message"]) if a["message"] else None
        if not (message and message["accepted_at"]) or message["recent"]:
            continue
        who = {"alert": a["alert"], "contact": a["contact"], "muni": a["muni"]}
        for _ in range(rng.choice((0, 0, 1, 2))):
            world.clicks.append({**who, "at": message["accepted_at"] + timedelta(minutes=rng.randint(1, 3000)),
                                 "bot": False})
        for _ in range(rng.choice((0, 1, 1, 3))):
            world.clicks.append({**who, "at": message["accepted_at"] + timedelta(seconds=rng.randint(1, 9)),
                                 "bot": True})
        if rng.random() < 0.45:
            world.acks.append({**who, "at": message["accepted_at"] + timedelta(minutes=rng.randint(5, 20000)),
                               "follow_up": rng.choice(FOLLOW_UPS)})
    # A letter acknowledged by telephone: an acknowledgement without an assignment.
    alert_key = next(k for k, a in world.alerts.items() if a["status"] == "active")
    alert = world.alerts[alert_key]
    for muni_id in alert["targets"]:
        spare = [k for k, c in world.contacts.items() if c["muni"] == muni_id
                 and not any(a["contact"] == k and a["alert"] == alert_key for a in world.assignments)]
        if spare:
            world.acks.append({"alert": alert_key, "contact": spare[0], "muni": muni_id,
                               "at": alert["approved_at"] + timedelta(days=3), "follow_up": "noted"})
            break


SMARTHOST = "smtp.relay.test [192.0.2.25]:587"
LATE_START = datetime(YEAR, 7, 1, tzinfo=UTC)
BACKLOG = timedelta(days=31)  # relay.digests.plan.BACKLOG, restated: the truth does not import the planner


def _plan_message(rng: random.Random, contact: dict, approved: datetime, key: str) -> dict:
    created = approved + timedelta(hours=rng.randint(1, 170))
    message = {"contact": key, "created_at": created, "accepted_at": None, "bounced_at": None, "delivered_at": None,
               "status": "queued", "host": None, "recent": False}
    if contact["status"] == "bouncing":
        message["bounced_at"] = created + timedelta(minutes=1)  # refused at RCPT: never accepted
        message["status"] = "permanent-failure"
        return message
    roll = rng.random()
    if roll < 0.02:
        return message  # still queued at the end of the year
    if roll < 0.04:
        message["status"] = "temporary-failure"  # given up after the retry deadline
        return message
    # Most go through the smarthost; some installations wrote to the Maildir; a few delivered directly.
    message["host"] = rng.choices((SMARTHOST, "maildir", "mx:mx.kommune.test [192.0.2.9]:25"), (0.85, 0.1, 0.05))[0]
    message["status"] = "sent"
    message["accepted_at"] = created + timedelta(minutes=rng.randint(0, 90))
    if roll < 0.08:
        message["bounced_at"] = message["accepted_at"] + timedelta(hours=rng.randint(1, 48))  # a later DSN
        message["status"] = "permanent-failure"
    elif roll < 0.12 and message["host"] == SMARTHOST:
        # Accepted by the smarthost an hour ago (a long retry): within the quiet period, still in progress.
        message["accepted_at"] = datetime.now(UTC) - timedelta(hours=1)
        message["recent"] = True
    elif roll < 0.3:
        message["delivered_at"] = message["accepted_at"] + timedelta(minutes=rng.randint(1, 30))
        if rng.random() < 0.1:  # delivered, then a bounce days later: the later word wins
            message["bounced_at"] = message["delivered_at"] + timedelta(days=2)
            message["status"] = "permanent-failure"
    return message


def write(session, world: World, *, part: int | None = None) -> None:
    """Store the plan. part=1 writes everything but the second half of the receipts; part=2 the rest."""
    if part in (None, 1):
        _write_people_and_alerts(session, world)
    events, acks = _receipt_rows(world)
    if part == 1:
        events, acks = events[: len(events) // 2], acks[: len(acks) // 2]
    elif part == 2:
        events, acks = events[len(events) // 2:], acks[len(acks) // 2:]
    if events:
        session.execute(insert(ReceiptEvent), events)
    if acks:
        session.execute(insert(Acknowledgement), acks)
    session.flush()


def _ids(session, model, rows: list[dict], keys: list[str], world: World) -> None:
    ids = session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), rows).all()
    world.ids.update(zip(keys, ids, strict=True))


def _write_people_and_alerts(session, world: World) -> None:
    created = datetime(YEAR - 1, 6, 1, tzinfo=UTC)
    for muni_id, m in world.munis.items():
        if m["fallback"]:
            session.get(Organisation, muni_id).fallback_email = f"postmottak@k{m['code']}.test"
    keys = list(world.contacts)
    _ids(session, Contact, [{"email": f"{k}@k{world.contacts[k]['muni']}.test", "municipality_id": world.contacts[k]["muni"],
                             "kind": world.contacts[k]["kind"], "status": world.contacts[k]["status"],
                             "hard_bounces": 3 if world.contacts[k]["status"] == "bouncing" else 0,
                             "created_at": world.contacts[k].get("start") or created} for k in keys], keys, world)
    subs = [{"contact_id": world.ids[k], "sector": s, "frequency": "weekly", "active": on,
             "created_at": world.contacts[k].get("start") or created}
            for k in keys for s, on in world.contacts[k]["subs"].items()]
    if subs:
        session.execute(insert(Subscription), subs)
    items = [{"key": f"sim:{k}", "kind": "judgment", "body": a["body"], "title": f"Case {k}", "states": "NOR",
              "first_seen_at": a["approved_at"], "updated_at": a["approved_at"]} for k, a in world.alerts.items()]
    _ids(session, Item, items, [f"item:{k}" for k in world.alerts], world)
    keys = list(world.alerts)
    _ids(session, Alert, [{"item_id": world.ids[f"item:{k}"], "office_id": world.alerts[k]["office"],
                           "title_nb": f"Varsel {k}", "status": world.alerts[k]["status"],
                           "approved_at": world.alerts[k]["approved_at"]} for k in keys], keys, world)
    session.execute(insert(AlertSector), [{"alert_id": world.ids[k], "sector": s}
                                          for k in keys for s in world.alerts[k]["sectors"]])
    session.execute(insert(AlertTarget), [{"alert_id": world.ids[k], "municipality_id": m}
                                          for k in keys for m in world.alerts[k]["targets"]])
    keys = list(world.messages)
    _ids(session, Message, [{
        "purpose_key": k, "kind": "digest", "contact_id": world.ids[world.messages[k]["contact"]], "to_address": "x@y.test",
        "envelope_from": "b@relay.test", "subject": "Digest", "message_id_header": f"<{k}@relay.test>",
        "status": world.messages[k]["status"], "created_at": world.messages[k]["created_at"],
        "next_attempt_at": world.messages[k]["created_at"], "sent_at": world.messages[k]["accepted_at"],
        "remote_host": world.messages[k]["host"],
    } for k in keys], keys, world)
    session.execute(insert(Assignment), [{
        "alert_id": world.ids[a["alert"]], "contact_id": world.ids[a["contact"]], "municipality_id": a["muni"],
        "via": a["via"], "message_id": world.ids[a["message"]] if a["message"] else None,
        "assigned_at": world.alerts[a["alert"]]["approved_at"]} for a in world.assignments])


def _receipt_rows(world: World) -> tuple[list[dict], list[dict]]:
    events = []
    for key, m in world.messages.items():
        base = {"message_id": world.ids[key], "contact_id": world.ids[m["contact"]], "evidence": {}}
        for kind in ("accepted", "bounced", "delivered"):
            if m[f"{kind}_at"]:
                events.append({**base, "dedupe_key": f"{kind}:{key}", "kind": kind, "occurred_at": m[f"{kind}_at"]})
    for n, c in enumerate(world.clicks):
        events.append({"dedupe_key": f"clicked:{n}", "kind": "clicked", "occurred_at": c["at"],
                       "alert_id": world.ids[c["alert"]], "contact_id": world.ids[c["contact"]],
                       "municipality_id": c["muni"], "filtered": "scanner-agent" if c["bot"] else None, "evidence": {}})
    acks = [{"alert_id": world.ids[a["alert"]], "contact_id": world.ids[a["contact"]], "municipality_id": a["muni"],
             "acknowledged_at": a["at"], "updated_at": a["at"], "follow_up": a["follow_up"]} for a in world.acks]
    return events, acks


def median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None
