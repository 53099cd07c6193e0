"""Run sources: fetch → parse → store → tag, and keep each source's health on its row.

One failing source never stops the others: its error is stored on the source row and in a
SourceRun, and the next check is pushed forward (longer after a Cloudflare challenge).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine

from feeds import collector
from feeds.records import FeedError, ParseResult, Payload, Record
from relay.db import transaction
from relay.models import Item, Source, SourceRun, utcnow
from relay.sources import source_config
from relay.store.items import save_record

log = logging.getLogger("relay.collect")

MAX_BACKOFF = timedelta(hours=12)


@dataclass
class RunResult:
    source: str
    ok: bool
    found: int = 0
    new: int = 0
    updated: int = 0
    not_modified: bool = False
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    new_item_ids: list[int] = field(default_factory=list)


def due_sources(*, engine: Engine, now: datetime | None = None) -> list[str]:
    now = now or utcnow()
    with transaction(engine) as session:
        rows = session.scalars(
            select(Source.key).where(
                Source.paused.is_(False), or_(Source.next_check_at.is_(None), Source.next_check_at <= now)
            ).order_by(Source.next_check_at.is_(None).desc(), Source.next_check_at)
        )
        return list(rows)


def collect_due(*, engine: Engine, http, now: datetime | None = None) -> list[RunResult]:
    return [run_source(engine=engine, key=key, http=http, now=now) for key in due_sources(engine=engine, now=now)]


def run_source(*, engine: Engine, key: str, http, since: date | None = None, now: datetime | None = None) -> RunResult:
    """Fetch and store one source. Errors are recorded, never raised (except programming errors in tests)."""
    now = now or utcnow()
    with transaction(engine) as session:
        source = session.scalars(select(Source).where(Source.key == key)).one()
        config = source_config(source)
    module = collector(config.kind)
    try:
        payloads = list(module.fetch(config, since=since, http=http))
    except Exception as exc:  # noqa: BLE001 - any fetch failure fails this source only
        return record_failure(engine=engine, key=key, error=exc, now=now)
    return ingest(engine=engine, key=key, payloads=payloads, now=now)


def ingest(*, engine: Engine, key: str, payloads: Iterable[Payload], now: datetime | None = None) -> RunResult:
    """Parse fetched payloads and store them in one transaction with the source's health."""
    now = now or utcnow()
    with transaction(engine) as session:
        source = session.scalars(select(Source).where(Source.key == key)).one()
        config = source_config(source)
    module = collector(config.kind)
    payloads = list(payloads)
    try:
        parsed = [module.parse(p.body, source=config) for p in payloads if not p.not_modified]
    except FeedError as exc:
        return record_failure(engine=engine, key=key, error=exc, now=now)
    except Exception as exc:  # noqa: BLE001 - a parser bug must not stop other sources
        log.exception("parser crashed", extra={"source": key})
        return record_failure(engine=engine, key=key, error=exc, now=now)
    records = _unique(r for result in parsed for r in result.records)
    warnings = [w for result in parsed for w in result.warnings]
    result = RunResult(source=key, ok=True, found=len(records), warnings=warnings,
                       not_modified=bool(payloads) and all(p.not_modified for p in payloads))
    with transaction(engine) as session:
        source = session.scalars(select(Source).where(Source.key == key)).one()
        touched: list[Item] = []
        for record in records:
            item, outcome = save_record(session=session, record=record, source_id=source.id, now=now)
            if outcome == "new":
                result.new += 1
                result.new_item_ids.append(item.id)
            elif outcome == "updated":
                result.updated += 1
            if outcome != "unchanged":
                touched.append(item)
        _tag(session, touched)
        last = payloads[-1] if payloads else None
        if last is not None:
            source.etag = last.etag or source.etag
            source.last_modified = last.last_modified or source.last_modified
            source.cursor = next((p.cursor for p in reversed(payloads) if p.cursor), source.cursor)
        source.checked_at = source.last_success_at = now
        source.error_count = 0
        source.failing_since = None
        source.items_last_run = result.found
        source.next_check_at = now + timedelta(minutes=source.interval_minutes)
        session.add(SourceRun(source_id=source.id, started_at=now, finished_at=utcnow(), ok=True,
                              not_modified=result.not_modified, items_found=result.found, items_new=result.new,
                              items_updated=result.updated, warnings=warnings[:50]))
    log.info("source collected", extra={"source": key, "found": result.found, "new": result.new,
                                        "updated": result.updated})
    return result


def record_failure(*, engine: Engine, key: str, error: Exception, now: datetime) -> RunResult:
    message = f"{type(error).__name__}: {error}" if not isinstance(error, FeedError) else str(error)
    if hasattr(error, "kind") and getattr(error, "kind", None):
        message = f"{error.kind}: {error}"
    with transaction(engine) as session:
        source = session.scalars(select(Source).where(Source.key == key)).one()
        source.error_count += 1
        source.checked_at = source.last_error_at = now
        source.last_error = message[:2000]
        source.failing_since = source.failing_since or now
        # Back off: interval × 2^failures, capped; a server's Retry-After (Cloudflare: minutes) wins if longer.
        wait = min(timedelta(minutes=source.interval_minutes) * 2 ** min(source.error_count - 1, 6), MAX_BACKOFF)
        if getattr(error, "retryable", True) is False:
            wait = MAX_BACKOFF  # a 404, an oversized body or an ignored filter will not cure itself soon
        retry_after = getattr(error, "retry_after", None)
        if retry_after:
            wait = max(wait, timedelta(seconds=float(retry_after)))
        source.next_check_at = now + wait
        session.add(SourceRun(source_id=source.id, started_at=now, finished_at=utcnow(), ok=False,
                              error=message[:2000]))
    log.warning("source failed", extra={"source": key, "error": message[:300]})
    return RunResult(source=key, ok=False, error=message)


def _unique(records: Iterable[Record]) -> list[Record]:
    """One record per key within a run (feeds repeat ids); the last one wins."""
    by_key: dict[str, Record] = {}
    for record in records:
        by_key[record.key] = record
    return list(by_key.values())


def _tag(session, items: list[Item]) -> None:
    if not items:
        return
    from relay.tagging.apply import tag_item

    for item in items:
        tag_item(session=session, item=item)


def parse_only(kind: str, raw: bytes, config) -> ParseResult:
    """For `relay collect --file`: what a payload would yield, without storing it."""
    return collector(kind).parse(raw, source=config)
