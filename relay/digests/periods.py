"""Digest periods in local time (Europe/Oslo): weeks start on Monday, months on the 1st. Pure functions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def period_containing(frequency: str, day: date) -> tuple[date, date]:
    """[start, end) of the period of this frequency that contains `day`."""
    if frequency == "weekly":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    if frequency == "monthly":
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        return start, end
    raise ValueError(f"no digest periods for frequency {frequency!r}")


def last_ended_period(frequency: str, now: datetime, tz: str) -> tuple[date, date]:
    today = now.astimezone(ZoneInfo(tz)).date()
    start, _ = period_containing(frequency, today)
    return period_containing(frequency, start - timedelta(days=1))


def ended_periods_since(frequency: str, after: date | None, now: datetime, tz: str) -> list[tuple[date, date]]:
    """Every period that has ended by `now` and starts on or after `after` (catch-up after downtime).

    With no previous run only the most recent ended period is planned: a new installation does not
    send a year of empty history.
    """
    newest = last_ended_period(frequency, now, tz)
    if after is None or after > newest[0]:
        return [newest] if after is None else []
    periods, start = [], after
    while start <= newest[0]:
        period = period_containing(frequency, start)
        periods.append(period)
        start = period[1]
    return periods


def local_midnight_utc(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)
