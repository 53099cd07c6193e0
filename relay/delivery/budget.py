"""The sending budget per recipient domain, kept in the database so every worker shares it.

Municipal mail servers throttle: `smtp.domain_rate_per_minute` messages a minute to one domain,
with bursts up to one minute's worth (a token bucket per domain). The buckets are rows of
domain_budget, spent in the claim transaction: a worker claims its batch, spends the tokens of
each domain it holds, and gives the rest back at once, each due when its token will be there.
Why in the database: a bucket in each process lets N workers send N times the rate, and the
rate is the municipality's, not the worker's.

Concurrency: on PostgreSQL a transaction-scoped advisory lock serialises the budget step of
concurrent claims (it takes about a millisecond, once a batch); on SQLite the claim's UPDATE
already holds the one write lock.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from relay.db import is_postgresql
from relay.delivery import pgbulk
from relay.models import DomainBudget

BUDGET_LOCK = 0x52454C4159_01  # pg_advisory_xact_lock key: "RELAY" + 1


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()


def spend(*, session: Session, domains: list[str], now: datetime, rate_per_minute: int) -> list[float]:
    """One message per entry, in claim order: 0.0 when it may go now (its token is spent), or the
    seconds until a token is there for it. The j-th message over budget waits for the j-th token,
    so a backlog to one domain is spread over time instead of all coming due together."""
    if not domains:
        return []
    rate, burst = rate_per_minute / 60.0, float(rate_per_minute)
    wanted = Counter(domains)
    if is_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": BUDGET_LOCK})
    stored = {name: (tokens, updated) for name, tokens, updated in session.execute(
        select(DomainBudget.domain, DomainBudget.tokens, DomainBudget.updated_at)
        .where(DomainBudget.domain.in_(sorted(wanted))))}
    left: dict[str, float] = {}
    for name in wanted:
        tokens, updated = stored.get(name, (burst, now))
        # A clock that moved backwards (an injected test time) refills nothing.
        elapsed = max(0.0, (now - updated).total_seconds())
        left[name] = min(burst, tokens + elapsed * rate)
    waits, over = [], Counter()
    for name in domains:
        if left[name] >= 1.0:
            left[name] -= 1.0
            waits.append(0.0)
        else:
            over[name] += 1
            waits.append((over[name] - left[name]) / rate)
    _store(session, stored, left, now)
    return waits


def _store(session: Session, stored: dict, left: dict[str, float], now: datetime) -> None:
    rows = [{"domain": name, "tokens": tokens, "updated_at": max(now, stored[name][1]) if name in stored else now}
            for name, tokens in left.items()]
    if is_postgresql(session):
        pgbulk.save_budgets(session.connection(), rows)  # a batch touches hundreds of domains: one statement
        return
    changed = [{"d": row["domain"], "tokens": row["tokens"], "updated": row["updated_at"]}
               for row in rows if row["domain"] in stored]
    new = [row for row in rows if row["domain"] not in stored]
    if changed:
        session.connection().execute(
            update(DomainBudget).where(DomainBudget.domain == bindparam("d"))
            .values(tokens=bindparam("tokens"), updated_at=bindparam("updated")), changed)
    if new:
        session.connection().execute(insert(DomainBudget), new)
