"""The JSON API's response shapes: Pydantic models, so /api/openapi.json describes real schemas."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, BeforeValidator, ConfigDict

# Row ids as path parameters: bounded, so an absurd number is a 422, not a database overflow.
MAX_ID = 2_147_483_647
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


def _configured_sectors() -> tuple[str, ...]:
    from relay.reports.labels import sector_names  # config/sectors.toml, with the built-in ids as fallback

    return tuple(sector_names("nb"))


# A sector parameter is one of the configured ids (read once, at start): an enum in the schema, and
# anything else a 422 naming the parameter, rather than an empty answer or a 400 the schema hides.
SectorId = Literal[_configured_sectors()]


def _iso_date(value):
    # Pydantic would also take a number as seconds since 1970 (since=-1e-19 was 1970-01-01); the
    # schema says a date, so only YYYY-MM-DD is one.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def small_int(value) -> int | None:
    """A form or query value that names a row id, or None."""
    text = str(value or "")
    return int(text) if text.isdigit() and 0 < len(text) <= 9 else None


class Evidence(BaseModel):
    """One reason a tag was set, as the tagger stored it (rule id, field, matched words and positions,
    metadata value, weight); keys beyond these are passed through."""

    model_config = ConfigDict(extra="allow")
    rule: str | None = None
    field: str | None = None
    value: Any = None
    words: list[str] | None = None
    positions: list[list[int]] | None = None
    weight: float | None = None


class TagOut(BaseModel):
    sector: str
    origin: str  # rule | human
    score: float
    removed: bool
    evidence: list[Evidence | str]


class ItemSummary(BaseModel):
    id: int
    key: str
    kind: str
    body: str | None
    title: str
    date: date | None
    states: list[str]
    language: str | None
    url: str | None
    relevant: bool
    key_case: bool
    source: str | None
    first_seen_at: datetime
    sectors: list[str]


class ItemOut(ItemSummary):
    text: str
    tags: list[TagOut]


class AlertOut(BaseModel):
    id: int
    item_id: int
    office_id: int
    office: str
    status: str
    priority: str
    ack_deadline: date | None
    approved_at: datetime
    title_nb: str
    title_nn: str
    summary_nb: str
    summary_nn: str
    meaning_nb: str
    meaning_nn: str
    nynorsk_origin: str
    sectors: list[str]
    municipality_codes: list[str]


class SourceOut(BaseModel):
    id: int
    key: str
    kind: str
    name: str
    url: str
    origin: str
    paused: bool
    interval_minutes: int
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    error_count: int
    items_last_run: int
    failing: bool


class Page(BaseModel):
    total: int
    limit: int
    offset: int


class ItemPage(Page):
    items: list[ItemSummary]


class AlertPage(Page):
    alerts: list[AlertOut]


class ErrorItem(BaseModel):
    """One problem with the request, shaped as FastAPI's ValidationError (loc, msg, type)."""

    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """Every error answer of the API: a sentence, or the request's problems one by one."""

    detail: str | list[ErrorItem]


# What any API route can answer besides its own result: declared so the schema holds every status.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "a value is out of range, or filters contradict each other"},
    401: {"model": Problem, "description": "not signed in, or the bearer token is not valid"},
    403: {"model": Problem, "description": "the role may not read this"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "no such record"}}
