"""The JSON API's response shapes: Pydantic models, so /api/openapi.json describes real schemas."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, ConfigDict

# Row ids as path parameters: bounded, so an absurd number is a 422, not a database overflow.
MAX_ID = 2_147_483_647
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


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


class Problem(BaseModel):
    detail: str
