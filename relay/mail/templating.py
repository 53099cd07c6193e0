"""The Jinja2 environment for e-mail templates (templates/email/<kind>/{subject.txt,body.txt,body.html}).

Autoescape is on for .html and off for .txt, so a title with markup is escaped in the HTML part
and stays as written in the text part. StrictUndefined turns a missing context key into a
rendering error (a technical failure of that message) instead of a silently empty sentence.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape

from relay.mail import sanitize
from relay.mail.context import OPS_KINDS
from relay.settings import home

KINDS = ("digest", "alert", "optin", "signin", "bounce-notice", "ops-alert", "survey")  # survey: relay/surveys
PARTS = ("subject.txt", "body.txt", "body.html")
TEXT_WIDTH = 72
_SPACE = re.compile(r"\s")  # exactly str.isspace's characters, without a Python call per character
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")


def templates_dir() -> Path:
    return home() / "templates" / "email"


@cache
def environment(directory: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(directory)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        # The templates ship with the release: no stat() of every template (and its layout and
        # includes) for each of the ~2,000 messages of an urgent alert (issue 24). Restart to reload.
        auto_reload=False,
    )
    env.filters.update(
        paragraphs=sanitize.html_paragraphs,
        text_paragraphs=lambda value, indent="": sanitize.text_paragraphs(value, TEXT_WIDTH, indent),
        sanitize=sanitize.clean_html,
        html_to_text=sanitize.html_to_text,
        underline=underline,
        link=link,
        date=_date_filter,
        datetime=_datetime_filter,
    )
    env.globals["ops_kinds"] = OPS_KINDS
    return env


def render(kind: str, part: str, context: dict) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown e-mail kind {kind!r}; expected one of {', '.join(KINDS)}")
    return environment(templates_dir()).get_template(f"{kind}/{part}").render(context)


def underline(value: str, char: str = "=") -> str:
    """A plain-text heading: the line, then the same width of `char` under it."""
    value = sanitize.clean_header(value)
    return f"{value}\n{char * len(value)}"


def link(value: str) -> str:
    """A URL for an href or the text part; anything but http(s) is a bug upstream, so fail loudly."""
    url = str(value).strip()
    if not url.startswith(("https://", "http://")) or _SPACE.search(url):
        raise ValueError(f"refusing to put a non-http(s) link into an e-mail: {url[:60]!r}")
    return url


def parse_when(value: date | datetime | str) -> date | datetime | None:
    if isinstance(value, date | datetime):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    if "T" in text or " " in text:
        return datetime.fromisoformat(text)
    return date.fromisoformat(text)


def format_date(value: date | datetime | str, language: str) -> str:
    day = parse_when(value)
    if day is None:
        return ""
    if language == "en":
        return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    if language == "sv":
        return day.strftime("%Y-%m-%d")  # Swedish public bodies write ISO dates
    return day.strftime("%d.%m.%Y")


def format_datetime(value: datetime | str, language: str, tz: str) -> str:
    moment = parse_when(value)
    if moment is None:
        return ""
    if not isinstance(moment, datetime):
        return format_date(moment, language)
    # Stored times are UTC (naive ones too); readers want the office's local time.
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    local = aware.astimezone(ZoneInfo(tz))
    clock = local.strftime("%H:%M")
    if language in ("nb", "nn"):
        return f"{format_date(local, language)} kl. {clock}"
    separator = ", " if language == "en" else " "
    return f"{format_date(local, language)}{separator}{clock}"


@pass_context
def _date_filter(ctx, value) -> str:
    return format_date(value, ctx["lang"])


@pass_context
def _datetime_filter(ctx, value) -> str:
    return format_datetime(value, ctx["lang"], ctx["tz"])
