"""Run sources: fetch → parse → store → tag, and keep each source's health on its row.

One failing source never stops the others: its error is stored on the source row and in a
SourceRun, and the next check is pushed forward (longer after a Cloudflare challenge). A run is
bounded by http.run_deadline; what it stored before failing is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine

from feeds import collector
from feeds.records import FeedError, ParseResult, Payload, Record, Rejection, SourceConfig
from relay.db import transaction
from relay.http_errors import FetchError
from relay.models import Item, Source, SourceRun, Tag, utcnow
from relay.settings import get_settings
from relay.sources import source_config
from relay.store.item_batch import save_records
from relay.store.merge import source_rank
from relay.store.screen import Limits, screen
from relay.store.translations import link_rss_translations

log = logging.getLogger("relay.collect")

MAX_BACKOFF = timedelta(hours=12)
KEPT_REJECTIONS = 200  # per run, on the SourceRun row; the count is always complete


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
    rejected: list[Rejection] = field(default_factory=list)  # records skipped with their reasons
    deferred: int = 0  # new records past intake.max_new_items_per_run, left for the next run


def due_sources(*, engine: Engine, now: datetime | None = None) -> list[str]:
    now = now or utcnow()
    with transaction(engine) as session:
        rows = session.scalars(
            select(Source.key).where(
                Source.paused.is_(False), or_(Source.next_check_at.is_(None), Source.next_check_at <= now)
            ).order_by(Source.next_check_at.is_(None).desc(), Source.next_check_at)
        )
        return list(rows)


def collect_due(*, engine: Engine, http, now: datetime | None = None,
                download_dir: Path | None = None) -> list[RunResult]:
    return [run_source(engine=engine, key=key, http=http, now=now, download_dir=download_dir)
            for key in due_sources(engine=engine, now=now)]


def run_source(*, engine: Engine, key: str, http, since: date | None = None, now: datetime | None = None,
               download_dir: Path | None = None) -> RunResult:
    """Fetch and store one source within http.run_deadline. Errors are recorded, never raised.

    The deadline is the HTTP client's: no request starts after it and one in flight is cut off
    at it, so the run fails there with the pages it stored so far kept. Parsing and storing
    between requests are not interrupted.
    download_dir: where collectors may put large downloads (UHRI); <data_dir>/downloads by default.
    """
    now = now or utcnow()
    workdir = download_dir or get_settings().resolved_data_dir / "downloads"
    config = _config(engine, key, workdir)
    with http.run_limit(http.settings.run_deadline):
        payloads = collector(config.kind).fetch(config, since=since, http=http)
        return _run(engine=engine, config=config, payloads=payloads, now=now)


def ingest(*, engine: Engine, key: str, payloads: Iterable[Payload], now: datetime | None = None) -> RunResult:
    """Parse and store payloads fetched elsewhere (the demo, `relay collect --file`), with no deadline."""
    return _run(engine=engine, config=_config(engine, key, None), payloads=payloads, now=now or utcnow())


def _run(*, engine: Engine, config: SourceConfig, payloads: Iterable[Payload], now: datetime) -> RunResult:
    """Each payload is parsed and stored in its own transaction, with the cursor it carries.

    So a run that fails part-way (a bad page, the run deadline) keeps the pages before it and
    its cursor, and a long backfill progresses across runs instead of starting over.
    """
    key, module = config.key, collector(config.kind)
    result = RunResult(source=key, ok=True)
    seen: set[str] = set()
    stream = iter(payloads)
    last: Payload | None = None
    every_not_modified = True
    try:
        while True:
            try:
                payload = next(stream, None)
                if payload is None:
                    break
                parsed = None if payload.not_modified else module.parse(payload.body, source=config)
            except Exception as exc:  # noqa: BLE001 - any fetch or parse failure fails this source only
                if not isinstance(exc, FeedError | FetchError):
                    log.exception("collector crashed", extra={"source": key})
                return record_failure(engine=engine, key=key, error=exc, now=now, progress=result)
            last, every_not_modified = payload, every_not_modified and payload.not_modified
            _store(engine, config, payload, parsed, now, result, seen)
    finally:
        close = getattr(stream, "close", None)
        if close:
            close()  # a collector's clean-up (UHRI's temporary file) runs now, not at garbage collection
    result.found = len(seen)
    result.not_modified = last is not None and every_not_modified
    with transaction(engine) as session:
        source = session.scalars(select(Source).where(Source.key == key)).one()
        if last is not None and not result.deferred:  # with items left over, the next run must not get a 304
            source.etag = last.etag or source.etag
            source.last_modified = last.last_modified or source.last_modified
        source.checked_at = source.last_success_at = now
        source.error_count = 0
        source.failing_since = None
        source.items_last_run = result.found
        source.items_rejected_last_run = len(result.rejected)
        source.next_check_at = now + timedelta(minutes=source.interval_minutes)
        session.add(SourceRun(source_id=source.id, started_at=now, finished_at=utcnow(), ok=True,
                              not_modified=result.not_modified, items_found=result.found, items_new=result.new,
                              items_updated=result.updated, warnings=result.warnings[:50], **_rejections(result)))
    log.info("source collected", extra={"source": key, "found": result.found, "new": result.new,
                                        "updated": result.updated, "rejected": len(result.rejected),
                                        "deferred": result.deferred})
    return result


def _store(engine: Engine, config: SourceConfig, payload: Payload, parsed: ParseResult | None, now: datetime,
           result: RunResult, seen: set[str]) -> None:
    """One payload's records, tags and cursor, committed together; the records stored as one batch."""
    intake = get_settings().intake
    screened = screen(parsed.records if parsed else [], Limits(intake.max_title_chars, intake.max_text_chars))
    # English versions first: the first version stored becomes a case's entry, and its English text is
    # what the documents are fetched in and the rules tag (a French or Norwegian one then attaches to it).
    records = sorted(_unique(screened.kept), key=lambda r: r.language != "en")
    if parsed:
        result.warnings.extend(parsed.warnings)
        _reject(config.key, result, [*parsed.rejected, *screened.rejected])
    with transaction(engine) as session:
        source = session.scalars(select(Source).where(Source.key == config.key)).one()
        seen.update(record.key for record in records)
        report = save_records(session=session, records=records, source_id=source.id, now=now,
                              rank=source_rank(config.kind),
                              max_new=max(0, intake.max_new_items_per_run - result.new))
        seen.difference_update(record.key for record in report.deferred)
        result.deferred += len(report.deferred)
        touched: dict[int, Item] = {}  # each item once, in the order first touched
        for item, outcome in report.saved:
            if outcome == "new":
                result.new += 1
                result.new_item_ids.append(item.id)
            elif outcome == "updated":
                result.updated += 1
            if outcome != "unchanged":
                touched[item.id] = item
        # A HUDOC RSS Norwegian translation (no ECLI) joins its case by application number and date (issue 20).
        link_rss_translations(session, touched.values(), source_id=source.id, now=now)
        _tag(session, list(touched.values()), new=set(report.new))
        if not result.deferred:  # items were left over: the next run starts where this one did
            source.cursor = payload.cursor or source.cursor


def _reject(key: str, result: RunResult, rejected: list[Rejection]) -> None:
    for rejection in rejected:
        log.warning("record rejected", extra={"source": key, "record": rejection.record, "reason": rejection.reason})
    result.rejected.extend(rejected)


def _rejections(result: RunResult) -> dict:
    """The SourceRun columns for a run's rejected and deferred records."""
    return {"items_rejected": len(result.rejected), "items_deferred": result.deferred,
            "rejected": [{"record": r.record, "reason": r.reason} for r in result.rejected[:KEPT_REJECTIONS]]}


def record_failure(*, engine: Engine, key: str, error: Exception, now: datetime,
                   progress: RunResult | None = None) -> RunResult:
    """Store the failure on the source and in a SourceRun; progress: what the run stored before failing."""
    message = f"{type(error).__name__}: {error}" if not isinstance(error, FeedError) else str(error)
    if hasattr(error, "kind") and getattr(error, "kind", None):
        message = f"{error.kind}: {error}"
    done = progress or RunResult(source=key, ok=False)
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
                              items_new=done.new, items_updated=done.updated, warnings=done.warnings[:50],
                              error=message[:2000], **_rejections(done)))
    log.warning("source failed", extra={"source": key, "error": message[:300]})
    return RunResult(source=key, ok=False, new=done.new, updated=done.updated, error=message,
                     warnings=done.warnings, new_item_ids=done.new_item_ids, rejected=done.rejected,
                     deferred=done.deferred)


def _config(engine: Engine, key: str, workdir: Path | None) -> SourceConfig:
    with transaction(engine) as session:
        source = session.scalars(select(Source).where(Source.key == key)).one()
        return source_config(source, workdir=workdir)


def _unique(records: Iterable[Record]) -> list[Record]:
    """One record per key within a run (feeds repeat ids); the last one wins."""
    by_key: dict[str, Record] = {}
    for record in records:
        by_key[record.key] = record
    return list(by_key.values())


def _tag(session, items: list[Item], *, new: set[int]) -> None:
    """Tag the page's new and changed items; their existing tags are read in one query, not one per item."""
    if not items:
        return
    from relay.tagging.apply import tag_items

    tags: dict[int, list[Tag]] = {item.id: [] for item in items}  # an item inserted by this page has none yet
    changed = [item.id for item in items if item.id not in new]
    for start in range(0, len(changed), 2000):  # bounded IN lists on a large page (a UHRI export)
        for row in session.scalars(select(Tag).where(Tag.item_id.in_(changed[start:start + 2000]))):
            tags[row.item_id].append(row)
    tag_items(session=session, items=items, tags=tags)  # rules and profile once per page, one flush


def parse_only(kind: str, raw: bytes, config) -> ParseResult:
    """For `relay collect --file`: what a payload would yield, without storing it."""
    return collector(kind).parse(raw, source=config)
