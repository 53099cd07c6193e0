"""OHCHR Universal Human Rights Index: the bulk export, streamed (SOURCES.md section 6).

The export is one JSON array of ~270,000 paragraphs (~400 MB). It is never held in memory:
ijson yields one record at a time and only the configured countries' records are kept. Each
paragraph is one item ("uhri:" + AnnotationId), grouped by DocumentId and parented to the
UN Digital Library item of its document ("un:" + Symbol), so the two sources meet.

fetch streams the download to disk with HttpClient.stream_to_file (get() would hold the body in
memory), filters the file there, and hands the runner a small JSON array of only the kept, new
records.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

import ijson
from ijson.backends import python as python_backend

from feeds.records import FeedError, ParseResult, Payload, Record, Rejection, SourceConfig, check_param_types
from feeds.text import clean_text
from feeds.undl import COUNTRY_CODES, checked_date
from feeds.undl import kind_of as undl_kind

EXPORT_URL = "https://dataex.ohchr.org/uhri/export-results/export-full-en.json"
# OHCHR's page for one document of the index [reported: public UHRI tooling uses this template].
DOCUMENT_URL = "https://uhri.ohchr.org/en/document/{document_id}"
MAX_EXPORT_BYTES = 1_500_000_000  # the export is ~400 MB and growing; past this something is wrong
DEFAULT_COUNTRIES = ("Norway",)
# Paragraph numbers are glued to the text ("4.The Committee"); UPR ones are dotted ("128.1 Ratify").
# At most three digits per part, so a text that opens with a year is left alone.
_PARA = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,3})*)(?:\.\s*|\s+)(?=\S)")
_SLASH = re.compile(r"\s*/\s*")


@lru_cache(maxsize=4096)  # a few hundred labels, repeated on every paragraph of the export
def normalise_label(label: str) -> str:
    """One spelling per label: UHRI vintages differ in the spaces around "/".

    "Minorities / racial, …" and "Minorities/ racial, …" both become "Minorities/racial, …".
    The tagger must look labels up through this same function.
    """
    return _SLASH.sub("/", " ".join(str(label).split()))


def strip_dash(value) -> str:
    """ "- CRC" → "CRC": the export prefixes treaty-body values with a list dash."""
    return " ".join(str(value or "").split()).removeprefix("- ").strip()


def check_params(params: dict) -> list[str]:
    return check_param_types(params, {"countries": (str,), "download_dir": (str,), "max_bytes": (int,)})


def iter_raw(stream: BinaryIO, *, countries: Iterable[str] = DEFAULT_COUNTRIES,
             since: datetime | date | str | None = None) -> Iterator[dict]:
    """The export's records for the given countries, newer than `since`, one at a time, as sent.

    since: a PublicationDateOnUhri value (a cursor; strictly newer records pass) or a date
    (records entered on or after it). A record whose entry date cannot be read passes, because
    dropping it would lose it for good.
    """
    wanted = {c.casefold() for c in countries}
    limit, strict = _since(since)
    head = stream.read(1)
    while head and head.isspace():
        head = stream.read(1)
    if head == b"\xef":  # a UTF-8 byte-order mark
        stream.read(2)
        head = stream.read(1)
    if head != b"[":
        shown = head.decode("latin-1") if head else "nothing"
        raise FeedError(f"The UHRI export does not start with a JSON array (it starts with {shown!r}).")
    try:
        for raw in _items(stream, head):
            if not isinstance(raw, dict) or not wanted & {str(c).casefold() for c in raw.get("Countries") or ()}:
                continue
            if limit is not None:
                entered = _timestamp(raw.get("PublicationDateOnUhri"))
                if entered is not None and (entered <= limit if strict else entered < limit):
                    continue
            yield raw
    except ijson.JSONError as exc:
        raise FeedError(f"The UHRI export is not complete JSON (truncated download?): {exc}") from exc


def _items(stream: BinaryIO, head: bytes) -> Iterator:
    """Every element of the array, read by the fast C parser; from the element it cannot read on
    (an escaped lone surrogate, "\\ud800", makes yajl produce bytes that are not UTF-8; a number past
    64 bits overflows it) by ijson's pure-Python parser, which keeps such values as they are for the
    record checks to reject."""
    start = stream.tell() - len(head) if stream.seekable() else None
    seen = 0
    try:
        for item in ijson.items(_Prefixed(head, stream), "item", use_float=True):
            seen += 1
            yield item
        return
    except (UnicodeDecodeError, ijson.JSONError) as exc:
        fallback = isinstance(exc, UnicodeDecodeError) or "integer overflow" in str(exc)  # a number past 64 bits
        if not fallback:
            raise
        if start is None:
            raise FeedError(f"The UHRI export holds a value the parser cannot read ({exc}).") from exc
    stream.seek(start)
    for index, item in enumerate(python_backend.items(stream, "item", use_float=True)):
        if index >= seen:
            yield item


def iter_records(stream: BinaryIO, *, countries: Iterable[str] = DEFAULT_COUNTRIES,
                 since: datetime | date | str | None = None) -> Iterator[Record]:
    for raw in iter_raw(stream, countries=countries, since=since):
        if raw.get("AnnotationId"):
            yield to_record(raw)


def parse(raw: bytes, *, source: SourceConfig) -> ParseResult:
    """Records for the source's countries; the "new since" cut is fetch's, so a file parses whole."""
    if not raw.strip():
        raise FeedError("The UHRI export is empty.")
    return _collect(BytesIO(raw), source)


def parse_file(path: str | os.PathLike, *, source: SourceConfig) -> ParseResult:
    """parse() for a downloaded export on disk, read as a stream."""
    with open(path, "rb") as handle:
        return _collect(handle, source)


def fetch(source: SourceConfig, *, since: date | None, http) -> Iterator[Payload]:
    """Download the export to a file, keep the new records of the configured countries.

    The download is streamed to disk by http.stream_to_file (the client's limits, politeness
    and retries) into the runner's download folder, filtered there as a stream, and deleted
    before anything is yielded: the runner gets a small JSON array of only the kept records.
    """
    folder = Path(source.params.get("download_dir") or source.workdir or "")
    if not str(folder) or str(folder) == ".":
        raise FeedError("No folder to download the UHRI export to (the runner gives <data_dir>/downloads).",
                        retryable=False)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{source.key}.json"
    kept, newest = [], source.cursor
    try:  # the downloaded file is gone before anything is yielded, whatever happens
        response = http.stream_to_file(source.url or EXPORT_URL, path, headers=source.headers or None,
                                       etag=source.etag, last_modified=source.last_modified,
                                       max_bytes=source.params.get("max_bytes", MAX_EXPORT_BYTES), expect="json")
        if not response.not_modified:
            with path.open("rb") as stream:
                for raw in iter_raw(stream, countries=_countries(source), since=_start(source, since)):
                    kept.append(raw)
                    newest = _newer(newest, raw.get("PublicationDateOnUhri"))
    finally:
        path.unlink(missing_ok=True)
    if response.not_modified:
        yield Payload(b"", url=response.url, not_modified=True, etag=response.etag,
                      last_modified=response.last_modified)
        return
    body = json.dumps(kept, ensure_ascii=False, separators=(",", ":")).encode()
    yield Payload(body, url=response.url, content_type="application/json", etag=response.etag,
                  last_modified=response.last_modified, cursor=newest)


def to_record(raw: dict) -> Record:
    annotation = strip_dash(raw.get("AnnotationType"))
    body = strip_dash(raw.get("Body"))
    if body.casefold() in ("upr", "universal periodic review"):
        body = "UPR"
    paragraph, text = split_paragraph(clean_text(raw.get("Text") or ""))
    symbol = " ".join(str(raw.get("Symbol") or "").split())
    document_id = str(raw.get("DocumentId") or "").strip()
    date_raw = raw.get("PublicationDate") or None
    published = _timestamp(date_raw)
    day, plausible, warnings = checked_date(published.date() if published else None, date_raw)
    countries = [str(c) for c in raw.get("Countries") or ()]
    where = f"{symbol} para. {paragraph}" if paragraph else (symbol or "UHRI paragraph")
    return Record(
        key=f"uhri:{raw['AnnotationId']}",
        kind="recommendation" if "recommend" in annotation.casefold() else "observation",
        title=f"{where}: {_excerpt(text)}" if text else where,
        url=DOCUMENT_URL.format(document_id=document_id) if document_id else None,
        date=day, date_raw=date_raw, date_plausible=plausible,
        body=body or None,
        states=tuple(sorted({COUNTRY_CODES[c.casefold()] for c in countries if c.casefold() in COUNTRY_CODES})),
        language="en", text=text,
        aliases=(f"symbol-para:{symbol}#{paragraph}",) if symbol and paragraph else (),
        group_key=document_id or None,
        parent_key=f"un:{symbol.upper()}" if symbol else None,
        meta={
            "themes": [normalise_label(t) for t in raw.get("Themes") or ()],
            "affected_persons": [normalise_label(p) for p in raw.get("AffectedPersons") or ()],
            "sdgs": [str(s).split(" - ", 1)[0].strip() for s in raw.get("Sdgs") or ()],
            "symbol": symbol or None, "paragraph": paragraph, "annotation_type": annotation or None,
            "publication_date": date_raw, "publication_date_on_uhri": raw.get("PublicationDateOnUhri"),
            "countries": countries, "regions": list(raw.get("Regions") or ()),
            "upr_cycle": raw.get("UprCycle"), "upr_recommending_states": list(raw.get("UprRecommendingCountry") or ()),
        },
        warnings=tuple(warnings) + (() if paragraph else ("no paragraph number at the start of the text",)),
    )


def split_paragraph(text: str) -> tuple[str | None, str]:
    """("4", "The Committee …") from "4.The Committee …"; (None, text) when no number leads."""
    match = _PARA.match(text)
    if not match:
        return None, text.strip()
    return match.group(1), text[match.end():].strip()


class _Prefixed:
    """The stream with the byte already read for the format check put back in front."""

    def __init__(self, head: bytes, stream: BinaryIO):
        self._head, self._stream = head, stream

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson probes with read(0) to tell bytes from str
            return b""
        head, self._head = self._head, b""
        return head + self._stream.read(size if size < 0 else max(size - len(head), 0))


def _collect(stream: BinaryIO, source: SourceConfig) -> ParseResult:
    """Paragraph records, one per AnnotationId (the newer PublicationDateOnUhri wins, whatever the file
    order), each wrong-typed record rejected with its reason, and one record per document the
    paragraphs belong to ("un:<symbol>"), so the queue shows the document once with its paragraphs."""
    result = ParseResult()
    newest: dict[str, tuple[datetime | None, Record]] = {}
    for index, raw in enumerate(iter_raw(stream, countries=_countries(source)), start=1):
        name = f"record {index} ({_printable(raw.get('AnnotationId')) or raw.get('Symbol') or 'no AnnotationId'})"
        problem = record_problem(raw)
        if problem:
            result.rejected.append(Rejection(name, problem))
            continue
        if not raw.get("AnnotationId"):
            result.warnings.append(f"a record of {raw.get('Symbol') or 'an unknown document'} has no AnnotationId")
            continue
        record = to_record(raw)
        entered = _timestamp(raw.get("PublicationDateOnUhri"))
        kept = newest.get(record.key)
        if kept is not None:
            older = entered is None or (kept[0] is not None and entered <= kept[0])
            result.warnings.append(f"{record.key} appears twice; the one entered "
                                   f"{(kept[1] if older else record).meta.get('publication_date_on_uhri')} was kept")
            if older:
                continue
        newest[record.key] = (entered, record)
    paragraphs = [record for _, record in newest.values()]
    result.records = document_records(paragraphs) + paragraphs  # documents first: the paragraphs link to them
    return result


# The export's fields and the types it sends them as (SOURCES.md 6); null is accepted for every one.
TEXT_FIELDS = ("AnnotationId", "AnnotationType", "Body", "DocumentId", "PublicationDate", "PublicationDateOnUhri",
               "Symbol", "Text")
LIST_FIELDS = ("Countries", "Themes", "AffectedPersons", "Sdgs", "Regions", "UprRecommendingCountry")


def record_problem(raw: dict) -> str | None:
    """Why a record of the export cannot be read (a value of the wrong type), or None."""
    for name in TEXT_FIELDS:
        value = raw.get(name)
        if value is not None and not isinstance(value, str):
            return f"{name} is {type(value).__name__} where the export sends text"
    for name in LIST_FIELDS:
        value = raw.get(name)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            return f"{name} is {type(value).__name__} where the export sends a list of texts"
    return None


def document_records(paragraphs: list[Record]) -> list[Record]:
    """One record per document the paragraphs name (its symbol), so they hang under it in the queue.

    The UN Digital Library describes the same document better (its title, date, files): its
    collector outranks this one (relay.store.merge), so these values only fill what is missing.
    """
    documents: dict[str, list[Record]] = {}
    for paragraph in paragraphs:
        if paragraph.parent_key:
            documents.setdefault(paragraph.parent_key, []).append(paragraph)
    records = []
    for key, parts in documents.items():
        symbol = key.removeprefix("un:")
        dated = [p for p in parts if p.date]
        first = min(dated, key=lambda p: p.date) if dated else parts[0]
        records.append(Record(
            key=key, kind=document_kind(symbol, parts), title=symbol, url=first.url, date=first.date,
            date_raw=first.date_raw, date_plausible=first.date_plausible, body=first.body,
            states=tuple(sorted({s for p in parts for s in p.states})), language="en",
            text="", meta={"symbol": symbol, "document_id": first.group_key, "from_uhri": True}))
    return records


def document_kind(symbol: str, parts: list[Record]) -> str:
    if any(p.body == "UPR" for p in parts):
        return "upr-report"
    return undl_kind(symbol.split("/"))


def _printable(value) -> str:
    return value if isinstance(value, str) else ""


def _start(source: SourceConfig, since: date | None):
    # An explicit `since` (relay collect --since) is a backfill and wins over the stored cursor.
    return since if since is not None else source.cursor


def _countries(source: SourceConfig) -> tuple[str, ...]:
    return tuple(source.params.get("countries") or DEFAULT_COUNTRIES)


def _since(since) -> tuple[datetime | None, bool]:
    if since is None or since == "":
        return None, False
    if isinstance(since, datetime):
        return since.replace(tzinfo=None), True
    if isinstance(since, date):
        return datetime(since.year, since.month, since.day), False
    parsed = _timestamp(since)
    if parsed is None:
        raise FeedError(f"The stored UHRI cursor {since!r} is not a timestamp.", retryable=False)
    return parsed, True


def _timestamp(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)).replace(tzinfo=None) if value else None
    except ValueError:
        return None


def _newer(current: str | None, candidate) -> str | None:
    if not candidate or _timestamp(candidate) is None:
        return current
    if current is None or _timestamp(current) is None or _timestamp(candidate) > _timestamp(current):
        return str(candidate)
    return current


def _excerpt(text: str, limit: int = 100) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
