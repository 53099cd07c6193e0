"""How each fetch outcome lands on the Document row: status, attempts, next attempt, error.

    extracted     new text and structure; status ok; re-checked after policy.refresh
    unchanged     same bytes as stored (content hash): validators updated, nothing re-extracted
    not-modified  the source answered 304: as unchanged
    empty         HUDOC's "not warmed yet": retried with a doubling delay, failed after N tries
    nothing-yet   no legal summary published yet: looked up again every few weeks, then left
    failed        retried with backoff when retryable, else final; a text already fetched is kept
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from relay.models import Document

MAX_ERROR = 2_000
FAILURE_BASE, FAILURE_CAP = timedelta(minutes=10), timedelta(days=1)


@dataclass
class Outcome:
    kind: str  # extracted | unchanged | not-modified | empty | nothing-yet | failed
    error: str | None = None
    retryable: bool = True
    retry_after: float | None = None
    url: str = ""
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    size: int = 0
    format: str | None = None
    text: str = ""
    structure: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


def write_outcome(doc: Document, outcome: Outcome, *, now: datetime, policy) -> None:
    kind = outcome.kind
    if kind in ("extracted", "unchanged", "not-modified"):
        _success(doc, outcome, now, policy)
    elif kind == "empty":
        doc.attempts += 1
        if doc.status == "ok":  # a fetched text stays; the re-check comes back later
            doc.error, doc.next_attempt_at = outcome.error, now + policy.refresh
        elif doc.attempts >= policy.empty_retries:
            doc.status, doc.next_attempt_at = "failed", None
            doc.error = _cut(f"the source answered empty {doc.attempts} times; Relay gave up. Last answer: "
                             f"{outcome.error}")
        else:
            doc.status, doc.error = "empty", _cut(outcome.error)
            doc.next_attempt_at = now + policy.empty_delay * 2 ** (doc.attempts - 1)
    elif kind == "nothing-yet":
        doc.attempts += 1
        doc.status, doc.error = "empty", _cut(outcome.error)
        done = doc.attempts >= policy.summary_lookups
        doc.next_attempt_at = None if done else now + policy.summary_interval
        if done:
            doc.error = _cut(f"{outcome.error}; stopped looking after {doc.attempts} look-ups"
                             " (most judgments never get one)")
    else:
        _failure(doc, outcome, now, policy)


def _success(doc: Document, outcome: Outcome, now: datetime, policy) -> None:
    doc.status, doc.attempts, doc.error = "ok", 0, None
    doc.fetched_at, doc.next_attempt_at = now, now + policy.refresh
    doc.etag = outcome.etag or (doc.etag if outcome.kind == "not-modified" else None)
    doc.last_modified = outcome.last_modified or (doc.last_modified if outcome.kind == "not-modified" else None)
    structure = dict(doc.structure or {})
    if outcome.kind == "extracted":
        keep = {k: structure[k] for k in ("via", "parts", "file_url", "file_label", "file_format",
                                           "summary_itemid", "summary_title") if k in structure}
        structure = {**keep, **outcome.structure}
        doc.text, doc.format = outcome.text, outcome.format
        if outcome.structure.get("truncated"):
            doc.error = (f"text cut at {outcome.structure['chars']:,} characters"
                         f" of {outcome.structure.get('source_chars', 0):,} (documents.max_chars)")
    if outcome.content_hash:
        doc.content_hash, doc.size = outcome.content_hash, outcome.size
    structure.update(outcome.extra)
    if outcome.kind == "extracted" and outcome.url and outcome.url != doc.url and "summary_itemid" in outcome.extra:
        doc.url = outcome.url  # the legal summary was found: from now on fetch it directly
        structure["via"] = "hudoc"
    doc.structure = structure


def _failure(doc: Document, outcome: Outcome, now: datetime, policy) -> None:
    doc.attempts += 1
    doc.error = _cut(outcome.error or "unknown failure")
    wait = max(FAILURE_BASE * 2 ** min(doc.attempts - 1, 10), timedelta(seconds=outcome.retry_after or 0))
    wait = min(wait, FAILURE_CAP) if not outcome.retry_after else wait
    if doc.status == "ok":  # keep the text already fetched; re-check later
        doc.next_attempt_at = now + (wait if outcome.retryable and doc.attempts < policy.failure_retries
                                     else policy.refresh)
        return
    final = not outcome.retryable or doc.attempts >= policy.failure_retries
    doc.status = "failed"
    doc.next_attempt_at = None if final else now + wait
    if final and outcome.retryable:
        doc.error = _cut(f"{doc.error} (gave up after {doc.attempts} attempts)")


def _cut(text: str | None) -> str | None:
    return text if text is None or len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"
