"""Fetch due documents: claim → download → (re-)extract only if the bytes changed → store.

`fetch_due(engine=, http=, limit=)` is the scheduler's and the CLI's entry point. Each document
is handled in three steps so no transaction is held across the network: read and claim the row,
fetch and extract outside any transaction, then write the outcome. Every outcome lands on the
row: status, attempts, next_attempt_at and a one-sentence error an administrator can act on.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine

from relay.db import transaction
from relay.documents.blocks import ExtractError
from relay.documents.extract import doc_type_for, error_page_reason, extract_blocks
from relay.documents.items import save_recommendations
from relay.documents.retrieve import Job, NothingYet, Retrieved, retrieve
from relay.documents.store import claim, due_documents, plan_documents
from relay.documents.structure import build
from relay.documents.write import Outcome, write_outcome
from relay.http import FetchError, HttpClient
from relay.models import Document, Item, utcnow

log = logging.getLogger("relay.documents")


@dataclass(frozen=True)
class DocumentPolicy:
    max_bytes: int = 20_000_000  # one body; a Grand Chamber judgment's HTML is 1–3 MB
    max_chars: int = 1_500_000  # extracted text kept (about 500 pages); the rest is cut and recorded
    empty_retries: int = 6  # HUDOC answers empty until a document is warmed; then give up
    empty_delay: timedelta = timedelta(minutes=15)  # doubled per empty answer
    failure_retries: int = 8
    refresh: timedelta = timedelta(days=30)  # conditional re-check of a fetched text
    summary_lookups: int = 8  # legal summaries appear weeks after the judgment, if ever
    summary_interval: timedelta = timedelta(days=14)
    lease: timedelta = timedelta(minutes=30)


@dataclass
class FetchReport:
    planned: int = 0
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)  # extracted, unchanged, not-modified, empty …
    new_item_ids: list[int] = field(default_factory=list)  # recommendation items created: tag them
    changed_item_ids: list[int] = field(default_factory=list)  # items whose text changed: re-tag them
    errors: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def fetch_due(*, engine: Engine, http: HttpClient, limit: int = 20, item_id: int | None = None,
              now: datetime | None = None, policy: DocumentPolicy | None = None) -> FetchReport:
    """Plan missing document rows, then fetch up to `limit` due documents (all of one item's with item_id)."""
    policy, report = policy or DocumentPolicy(), FetchReport()
    now = now or utcnow()
    with transaction(engine) as session:
        report.planned = plan_documents(session=session, item_ids=[item_id] if item_id is not None else None)
        due = due_documents(session=session, now=now, limit=limit, item_id=item_id)
    for document_id, seen in due:
        with transaction(engine) as session:
            if not claim(session=session, document_id=document_id, seen=seen, lease=policy.lease, now=now):
                continue  # another worker has it
        report.claimed += 1
        fetch_one(engine=engine, http=http, document_id=document_id, now=now, policy=policy, report=report)
    log.info("documents fetched", extra={"planned": report.planned, "claimed": report.claimed, **report.outcomes})
    return report


def fetch_one(*, engine: Engine, http: HttpClient, document_id: int, now: datetime, policy: DocumentPolicy,
              report: FetchReport) -> str:
    with transaction(engine) as session:
        doc = session.get(Document, document_id)
        item = session.get(Item, doc.item_id)
        job, old_hash = _job(doc, item), doc.content_hash
        doc_type = doc_type_for(item.kind, item.body, doc.kind)
    outcome = Outcome(kind="failed")
    try:
        got = retrieve(job, http, max_bytes=policy.max_bytes)
        outcome = _digest(got, old_hash, doc_type, policy)
    except NothingYet as exc:
        outcome = Outcome(kind="nothing-yet", error=str(exc))
    except FetchError as exc:
        kind = "empty" if exc.kind == "empty" else "failed"
        outcome = Outcome(kind=kind, error=str(exc), retryable=exc.retryable, retry_after=exc.retry_after)
    except ExtractError as exc:
        outcome = Outcome(kind="failed", error=f"{job.url}: {exc}", retryable=False)
    except Exception as exc:  # noqa: BLE001 - a parser bug on one document must not stop the others
        log.exception("document fetch crashed", extra={"document_id": document_id})
        outcome = Outcome(kind="failed", error=f"internal error while reading the document: {exc!r}")
    with transaction(engine) as session:
        doc = session.get(Document, document_id)
        item = session.get(Item, doc.item_id)
        write_outcome(doc, outcome, now=now, policy=policy)
        if outcome.kind == "extracted":
            report.changed_item_ids.append(item.id)
            items = save_recommendations(session=session, item=item, doc=doc)
            report.new_item_ids += items.new
            report.changed_item_ids += items.updated
            mark_stale(session=session, item_ids=[item.id, *items.updated])
    report.count(outcome.kind)
    if outcome.error and outcome.kind in ("failed", "empty"):
        report.errors.append(f"document {document_id}: {outcome.error}")
    return outcome.kind


def mark_stale(*, session, item_ids: list[int]) -> None:
    """The items' tags predate their text: relay.documents.retag.tag_changed picks them up."""
    session.execute(update(Item).where(Item.id.in_(item_ids)).values(tagged_at=None)
                    .execution_options(synchronize_session=False))


def _job(doc: Document, item: Item) -> Job:
    structure = doc.structure or {}
    return Job(document_id=doc.id, kind=doc.kind, url=doc.url, via=structure.get("via", "hudoc"), body=item.body,
               language=item.language, meta=dict(item.meta or {}), etag=doc.etag, last_modified=doc.last_modified,
               parts=list(structure.get("parts") or []), file_url=structure.get("file_url"))


def _digest(got: Retrieved, old_hash: str | None, doc_type: str, policy: DocumentPolicy) -> Outcome:
    """From bytes to an outcome; the same bytes as last time are not extracted again."""
    base = {"url": got.url, "etag": got.etag, "last_modified": got.last_modified, "extra": got.extra}
    if got.not_modified:
        return Outcome(kind="not-modified", **base)
    digest = hashlib.sha256()
    for body in got.bodies:
        digest.update(hashlib.sha256(body).digest())
    content_hash, size = digest.hexdigest(), sum(len(b) for b in got.bodies)
    if content_hash == old_hash:
        return Outcome(kind="unchanged", content_hash=content_hash, size=size, **base)
    blocks, fmt = [], None
    for body in got.bodies:  # a sectioned report: its sections in order, one text and one structure
        fmt, found = extract_blocks(body, encoding=got.charset)
        blocks += found
    merged = build(blocks, doc_type=doc_type, max_chars=policy.max_chars)
    if not merged.text.strip():
        return Outcome(kind="empty", error=f"{got.url} answered a document with no text in it"
                       " (HUDOC does this until a document is warmed)", size=size, **base)
    reason = error_page_reason(merged)
    if reason:
        return Outcome(kind="failed", error=f"{got.url} answered {reason} instead of the document", **base)
    return Outcome(kind="extracted", content_hash=content_hash, size=size, format=fmt, text=merged.text,
                   structure=merged.structure, **base)

