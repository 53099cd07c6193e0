"""One way to show a date and a time per language, on pages, in mail and in downloads.

Norwegian (and English, which Norwegian users read beside it) write 07.12.2026 and 07.12.2026 kl. 23:14;
Swedish keeps its own standard, ISO 8601 (2026-12-07 23:14). Stored times are UTC; they are shown on the office's clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

DATE_FORMATS = {"nb": "%d.%m.%Y", "nn": "%d.%m.%Y", "en": "%d.%m.%Y", "sv": "%Y-%m-%d"}
# Swedish standard (SS-ISO 8601, as Språkrådet recommends in tables) puts the time right after the date:
# 2026-12-08 01:40, not the Norwegian "kl." after an ISO date.
TIME_JOINERS = {"nb": " kl. ", "nn": " kl. ", "en": " at ", "sv": " "}


def as_local(value: datetime, zone: str) -> datetime:
    """SQLite hands stored times back naive; they are UTC."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone))


def show_date(value: date | datetime | None, lang: str) -> str:
    if value is None:
        return ""
    return value.strftime(DATE_FORMATS.get(lang, DATE_FORMATS["nb"]))


def show_moment(value: datetime | None, lang: str, zone: str, *, seconds: bool = False) -> str:
    """07.12.2026 kl. 23:14 on the office's clock (seconds where a log needs them)."""
    if value is None:
        return ""
    local = as_local(value, zone)
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{show_date(local, lang)}{TIME_JOINERS.get(lang, TIME_JOINERS['nb'])}{clock}"


def csv_moment(value: datetime | None, lang: str, zone: str) -> str:
    """A time in a download: the page's date form and the clock with seconds, no "kl." (Excel in a
    Norwegian locale reads 07.12.2026 23:14:05 as a date and time)."""
    if value is None:
        return ""
    local = as_local(value, zone)
    return f"{show_date(local, lang)} {local.strftime('%H:%M:%S')}"


def parse_date(value: str | None) -> date | None:
    """A date typed as 07.12.2026 (the form's hint) or 2026-12-07 (old links); None when neither."""
    text = (value or "").strip()
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


MONTH_FORMATS = {"nb": "%m.%Y", "nn": "%m.%Y", "en": "%m.%Y", "sv": "%Y-%m"}


def show_month(month: str | None, lang: str) -> str:
    """A report month ("2026-03", as filters and links carry it) in the page language's order: 03.2026."""
    if not month:
        return ""
    try:
        return datetime.strptime(month, "%Y-%m").strftime(MONTH_FORMATS.get(lang, MONTH_FORMATS["nb"]))
    except ValueError:
        return month


def parse_month(value: str | None) -> str | None:
    """The month a typed date or month falls in, as "2026-03": 15.03.2026 or 03.2026 (the form's
    hints), 2026-03-15 or 2026-03 (Swedish order, old links, the CLI); None when it is none of them.
    Reports count whole months, so a day names its month."""
    text = (value or "").strip()
    for pattern in ("%d.%m.%Y", "%m.%Y", "%Y-%m-%d", "%Y-%m"):
        try:
            return datetime.strptime(text, pattern).strftime("%Y-%m")
        except ValueError:
            continue
    return None
