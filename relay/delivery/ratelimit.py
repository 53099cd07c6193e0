"""A token bucket per recipient domain: municipal mail servers throttle, so Relay paces itself.

The bucket lives in the worker process. With several worker processes each keeps its own, so
the effective ceiling is the configured rate times the number of workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class _Bucket:
    tokens: float
    updated: datetime


class DomainLimiter:
    """`rate_per_minute` sends per domain, with bursts up to one minute's worth."""

    def __init__(self, rate_per_minute: int, burst: float | None = None):
        self.rate = rate_per_minute / 60.0
        self.burst = float(burst if burst is not None else rate_per_minute)
        self._buckets: dict[str, _Bucket] = {}

    def take(self, domain: str, now: datetime) -> float:
        """Take a token: 0.0 when allowed, else the seconds until one is free (nothing is taken)."""
        domain = domain.lower()
        bucket = self._buckets.get(domain)
        if bucket is None:
            bucket = self._buckets[domain] = _Bucket(self.burst, now)
        # A clock that moved backwards (an injected test time) refills nothing.
        elapsed = max(0.0, (now - bucket.updated).total_seconds())
        bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.rate)
        bucket.updated = max(bucket.updated, now)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate


_shared: dict[int, DomainLimiter] = {}


def shared_limiter(rate_per_minute: int) -> DomainLimiter:
    """The process-wide limiter, so that successive send runs share one budget."""
    if rate_per_minute not in _shared:
        _shared[rate_per_minute] = DomainLimiter(rate_per_minute)
    return _shared[rate_per_minute]


def reset_shared_limiters() -> None:
    _shared.clear()


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()
