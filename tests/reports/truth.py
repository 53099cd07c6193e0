"""Every report figure computed from the simulation's plan alone (never from relay.reports)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from tests.reports.simulation import BACKLOG, OSLO, SECTORS, World, median

RANK = {"not-relevant": 1, "noted": 2, "will-follow-up": 3, "followed-up": 4}
QUIET = timedelta(days=3)
# docs/reports.md, weakest first; each pair stands on exactly one.
LADDER = ("not_sent_gap", "not_sent_due", "failed", "local", "in_progress", "handed_over", "confirmed")


def message_state(m: dict, now: datetime) -> str:
    """What one planned message proves, read from the plan in the words of docs/reports.md."""
    if m["host"] == "maildir":
        return "local"  # nothing left the machine
    if m["bounced_at"] and not (m["delivered_at"] and m["delivered_at"] > m["bounced_at"]):
        return "failed"
    if m["delivered_at"]:
        return "confirmed"
    if m["status"] != "sent" and m["status"] != "queued":
        return "failed"  # gave up
    if not m["accepted_at"]:
        return "in_progress"
    if m["host"].startswith("mx:"):
        return "handed_over"  # the municipality's own server said 250
    return "handed_over" if now - m["accepted_at"] >= QUIET else "in_progress"


def has_route(world: World, muni_id: int, alert: dict) -> bool:
    """An active fallback, or an active subscriber in the alert's sectors who subscribed before it or
    at most BACKLOG after it (a late subscriber takes the month it missed, not older history)."""
    for c in world.contacts.values():
        if c["muni"] != muni_id or c["status"] != "active":
            continue
        if c["kind"] == "fallback":
            return True
        late = c.get("start") and c["start"] - alert["approved_at"] > BACKLOG
        if not late and any(c["subs"].get(s) for s in alert["sectors"]):
            return True
    return False


def rung(world: World, alert: dict, muni_id: int, sent: list[dict], human_clicks: int, acked: bool,
         now: datetime, assigned: bool = False) -> str:
    if sent and all(m["host"] == "maildir" for m in sent):
        return "local"
    if human_clicks or acked:
        return "confirmed"
    if not sent:
        return "not_sent_due" if assigned or has_route(world, muni_id, alert) else "not_sent_gap"
    return max((message_state(m, now) for m in sent), key=LADDER.index)


def pairs(world: World) -> list[dict]:
    """One ladder per active alert × targeted municipality."""
    messages_of = defaultdict(list)
    for a in world.assignments:
        messages_of[a["alert"], a["muni"]].append(a)
    clicks = defaultdict(lambda: [0, 0])
    for c in world.clicks:
        clicks[c["alert"], c["muni"]][1 if c["bot"] else 0] += 1
    acks = defaultdict(list)
    for a in world.acks:
        acks[a["alert"], a["muni"]].append(a)
    out = []
    now = datetime.now(UTC)
    for key, alert in world.alerts.items():
        if alert["status"] != "active":
            continue
        for muni_id in alert["targets"]:
            sent = [world.messages[a["message"]] for a in messages_of[key, muni_id] if a["message"]]
            human, bots = clicks[key, muni_id]
            own_acks = acks[key, muni_id]
            first_ack = min((a["at"] for a in own_acks), default=None)
            follow = [a["follow_up"] for a in own_acks if a["follow_up"]]
            m = world.munis[muni_id]
            step = rung(world, alert, muni_id, sent, human, bool(own_acks), now, bool(messages_of[key, muni_id]))
            out.append({"rung": step, "direct": step == "handed_over" and any(
                x["host"] and x["host"].startswith("mx:") and message_state(x, now) == "handed_over" for x in sent),
                "alert": key, "muni": muni_id, "office": str(alert["office"]), "county": str(m["county"] or 0),
                "month": alert["approved_at"].astimezone(OSLO).strftime("%Y-%m"), "body": alert["body"] or "",
                "sectors": alert["sectors"], "sent": bool(sent), "reached": step in ("handed_over", "confirmed"),
                "delivered": any(x["delivered_at"] for x in sent), "bounced": any(x["bounced_at"] for x in sent),
                "clicks": human, "bot_clicks": bots, "acknowledged": first_ack is not None,
                "follow_up": max(follow, key=RANK.__getitem__) if follow else None,
                "hours": _unit(first_ack - alert["approved_at"]) if first_ack else None,
            })
    return out


def _unit(delay) -> int:
    """docs/reports.md: whole hours below 24, whole days (counted in hours) from then on."""
    hours = int(delay.total_seconds()) // 3600
    return hours if hours < 24 else (hours // 24) * 24


def figures(rows: list[dict]) -> dict:
    follow_up = dict.fromkeys(("not-relevant", "noted", "will-follow-up", "followed-up"), 0)
    for r in rows:
        if r["follow_up"]:
            follow_up[r["follow_up"]] += 1
    return {
        "targeted": len(rows), "sent": sum(r["sent"] for r in rows), "reached": sum(r["reached"] for r in rows),
        "delivered": sum(r["delivered"] for r in rows), "bounced": sum(r["bounced"] for r in rows),
        "clicked": sum(r["clicks"] > 0 for r in rows), "clicks": sum(r["clicks"] for r in rows),
        "bot_clicks": sum(r["bot_clicks"] for r in rows), "acknowledged": sum(r["acknowledged"] for r in rows),
        "follow_up": follow_up, "median_hours_to_ack": median([r["hours"] for r in rows if r["hours"] is not None]),
        **{name: sum(r["rung"] == name for r in rows) for name in LADDER}, "direct": sum(r["direct"] for r in rows),
    }


def grouped(rows: list[dict], dimension: str) -> dict[str, dict]:
    groups = defaultdict(list)
    for r in rows:
        if dimension == "sector":
            for s in r["sectors"]:
                groups[s].append(r)
        else:
            groups[r[dimension]].append(r)
    return {k: figures(v) for k, v in groups.items()}


def gaps(world: World, office: int | None = None) -> dict[str, list[str]]:
    """municipality code → sectors in which no active person or function mailbox subscribes."""
    covered = {(c["muni"], s) for c in world.contacts.values() if c["status"] == "active" and c["kind"] != "fallback"
               for s, on in c["subs"].items() if on}
    out = {}
    for muni_id, m in world.munis.items():
        if office is not None and m["office"] != office:
            continue
        missing = [s for s in SECTORS if (muni_id, s) not in covered]
        if missing:
            out[m["code"]] = missing
    return out


def gap_severity(world: World, office: int | None = None) -> dict[str, str]:
    """municipality code → no-address / uncovered / sectors, from whether its postmottak works."""
    out = {}
    for code, missing in gaps(world, office).items():
        muni_id = next(m for m, v in world.munis.items() if v["code"] == code)
        fallback = world.contacts.get(f"f{muni_id}")
        if fallback is not None and fallback["status"] == "active":
            out[code] = "sectors"
        else:
            out[code] = "no-address" if len(missing) == len(SECTORS) else "uncovered"
    return out


def bouncing(world: World, office: int | None = None) -> set[str]:
    return {f"{k}@k{c['muni']}.test" for k, c in world.contacts.items() if c["status"] == "bouncing"
            and (office is None or world.munis[c["muni"]]["office"] == office)}


def municipality_totals(rows: list[dict]) -> dict[int, tuple[int, int, int, int, int]]:
    out = defaultdict(lambda: [0, 0, 0, 0, 0])
    for r in rows:
        t = out[r["muni"]]
        t[0] += 1
        t[1] += r["reached"]
        t[2] += r["acknowledged"]
        t[3] += r["rung"] == "confirmed"
        t[4] += r["rung"] in ("failed", "not_sent_gap", "not_sent_due")
    return {k: tuple(v) for k, v in out.items()}
