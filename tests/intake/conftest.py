"""Helpers for the intake tests: sources added as rows, payloads ingested through relay.collect."""

from __future__ import annotations

from sqlalchemy import select

from feeds.records import Payload
from relay.collect import ingest
from relay.db import transaction
from relay.models import Item, Source
from tests.conftest import FIXTURES


def add_source(engine, key: str, kind: str, **params) -> None:
    with transaction(engine) as session:
        session.add(Source(key=key, kind=kind, name=key, url="", params=params))


def feed(engine, key: str, body: bytes | str):
    raw = body if isinstance(body, bytes) else (FIXTURES / body).read_bytes()
    return ingest(engine=engine, key=key, payloads=[Payload(raw)])


def items(engine) -> dict[str, Item]:
    with transaction(engine) as session:
        rows = {item.key: item for item in session.scalars(select(Item))}
        session.expunge_all()
        return rows
