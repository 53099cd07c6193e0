"""The checks every parsed record passes before it is stored, whatever collector made it.

A record whose key does not fit its source's id pattern, whose fields have the wrong types or
whose text cannot be decoded is rejected with a reason (the rest of the payload is stored).
Text that is UTF-8 read as cp1252 ("FOLGERÃ…") is re-decoded; text that still holds
undecodable bytes (U+FFFD, lone surrogates, control characters) is never stored. Over-long
titles, descriptions and metadata are cut, and the item says so (meta["truncated"]). Links
that are not http(s) (a javascript: URL) are dropped. Dates follow one policy
(docs/sources.md, "Dates"): a date before 1900 or more than a year ahead is kept only as
date_raw and flagged, never used for "new since".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from feeds.records import Record, Rejection
from relay.store.text_repair import TextProblem, checked_text

MAX_KEY = 300
# Key prefixes and what the rest must look like; a key with another prefix passes the generic check.
KEY_PATTERNS = {
    "hudoc:": re.compile(r"hudoc:\d{3}-\d{1,10}"),
    "ECLI:": re.compile(r"ECLI:[A-Z]{2}:[A-Z0-9]{1,7}:\d{4}:[A-Z0-9.]{1,30}(?::[A-Z0-9-]{1,40}){0,3}"),
    "uhri:": re.compile(r"uhri:[A-Za-z0-9-]{1,64}"),
    "un:": re.compile(r"un:[A-Z0-9][A-Z0-9/.()_+-]{1,120}"),
    "undl:": re.compile(r"undl:\d{1,12}"),
    "url:": re.compile(r"url:https?://[^\s\"'<>\\]{1,280}"),
}
# Any other key: printable, no quotes, brackets, backslashes or path traversal.
_GENERIC_KEY = re.compile(r"[^\s\x00-\x1f\x7f-\x9f\"'<>\\`\ufffd]{1,300}")
_RSS_KEY = re.compile(r"rss:[a-z0-9-]{1,61}:[^\x00-\x1f\x7f-\x9f\ufffd\ud800-\udfff]{1,230}")
_SAFE_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f-\x9f\"'<>\\\ufffd\ud800-\udfff]+", re.I)
_BAD_SCHEME = re.compile(r"^\s*(?:javascript|data|vbscript|file):", re.I)
FIRST_YEAR = 1900


@dataclass(frozen=True)
class Limits:
    max_title: int = 1000
    max_text: int = 20_000


@dataclass
class Screened:
    kept: list[Record] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def key_problem(key) -> str | None:
    """Why the key cannot be used, or None."""
    if not isinstance(key, str) or not key:
        return f"its key {key!r} is not text"
    if len(key) > MAX_KEY:
        return f"its key is {len(key)} characters long (at most {MAX_KEY})"
    if key.startswith("rss:"):
        return None if _RSS_KEY.fullmatch(key) else f"its key {key[:80]!r} holds control characters"
    for prefix, pattern in KEY_PATTERNS.items():
        if key.startswith(prefix):
            return None if pattern.fullmatch(key) else f"its key {key[:80]!r} does not fit the {prefix[:-1]} id pattern"
    if not _GENERIC_KEY.fullmatch(key) or ".." in key:
        return f"its key {key[:80]!r} holds characters an id may not hold"
    return None


def screen(records: list[Record], limits: Limits = Limits(), *, today: date | None = None) -> Screened:
    out = Screened()
    for record in records:
        try:
            checked = screen_record(record, limits, today=today or date.today())
        except TextProblem as problem:
            out.rejected.append(Rejection(_name(record), str(problem)))
            continue
        if isinstance(checked, str):
            out.rejected.append(Rejection(_name(record), checked))
        else:
            out.kept.append(checked)
    return out


def screen_record(record: Record, limits: Limits, *, today: date) -> Record | str:
    """The record as it may be stored, or the reason it may not."""
    problem = key_problem(record.key) or _type_problem(record)
    if problem:
        return problem
    warnings = list(record.warnings)
    notes: list[str] = []
    # The same bytes always give the same repaired key, so a repaired id stays a stable identity.
    key = checked_text("key", record.key, notes)
    if key != record.key and (problem := key_problem(key)):
        return problem
    for name in ("group_key", "parent_key"):
        checked_text(name, getattr(record, name) or "", [])  # raises for undecodable text: never stored
    date_raw = _small(checked_text("date", record.date_raw or "", notes)) or None
    body = checked_text("body", record.body or "", notes) or None
    language = checked_text("language", record.language or "", notes) or None
    title = checked_text("title", record.title, notes)
    text = checked_text("text", record.text, notes)
    truncated = []
    title, cut = _cut(title, limits.max_title)
    if cut:
        truncated.append("title")
    text, cut = _cut(text, limits.max_text)
    if cut:
        truncated.append("text")
    meta = _meta(record.meta, limits, notes, truncated)
    aliases = []
    for alias in record.aliases:
        try:
            alias = checked_text("alias", alias, [])
        except TextProblem as problem:
            warnings.append(f"alias dropped: {problem}")
            continue
        why = key_problem(alias)
        (warnings.append(f"alias dropped: {why}") if why else aliases.append(alias))
    url = checked_text("url", record.url, notes) if record.url is not None else None
    if url is not None and not _SAFE_URL.fullmatch(url.strip()):
        warnings.append(f"link {url[:80]!r} is not an http(s) address; dropped")
        url = None
    day, plausible = record.date, record.date_plausible
    if day is not None and (day.year < FIRST_YEAR or day > today + timedelta(days=366)):
        warnings.append(f"impossible date {day.isoformat()}; kept as written only")
        day, plausible = None, False
    if truncated:
        meta["truncated"] = truncated
        warnings.append(f"cut to the size limit: {', '.join(truncated)}")
    warnings.extend(notes)
    warnings = [visible(w) for w in warnings]
    return replace(record, key=key, title=title or key, text=text, url=url, date=day, date_plausible=plausible,
                   date_raw=date_raw, body=body, language=language, aliases=tuple(aliases), meta=meta,
                   warnings=tuple(dict.fromkeys(warnings)))


def _type_problem(record: Record) -> str | None:
    expected = {"title": str, "text": str, "kind": str, "key_case": bool, "meta": dict, "states": tuple,
                "aliases": tuple, "warnings": tuple}
    for name, kind in expected.items():
        if not isinstance(getattr(record, name), kind):
            return f"its {name} is {type(getattr(record, name)).__name__}, not {kind.__name__}"
    for name in ("url", "date_raw", "body", "language", "group_key", "parent_key"):
        value = getattr(record, name)
        if value is not None and not isinstance(value, str):
            return f"its {name} is {type(value).__name__}, not text"
    for name in ("aliases", "warnings"):
        if not all(isinstance(v, str) for v in getattr(record, name)):
            return f"its {name} are not all text"
    if record.date is not None and type(record.date) is not date:
        return f"its date is {type(record.date).__name__}, not a date"
    if any(not isinstance(s, str) or not re.fullmatch(r"[A-Z]{3}", s) for s in record.states):
        return f"its states {record.states!r} are not ISO alpha-3 codes"
    if record.kind == "" or len(record.kind) > 40:
        return "its kind is empty or too long"
    if record.group_key is not None and len(record.group_key) > MAX_KEY:
        return "its group key is too long"
    return None


def _meta(meta: dict, limits: Limits, notes: list[str], truncated: list[str], depth: int = 0):
    """Meta with every string checked and cut, and links of a dangerous scheme removed."""
    out = {}
    for name, value in meta.items():
        cleaned = _meta_value(str(name), value, limits, notes, truncated, depth)
        if cleaned is not _DROP:
            out[str(name)] = cleaned
    return out


_DROP = object()


def _meta_value(name: str, value, limits: Limits, notes: list[str], truncated: list[str], depth: int):
    if depth > 4:
        return _DROP
    if isinstance(value, str):
        if _BAD_SCHEME.match(value):
            notes.append(f"{name}: a {value.split(':', 1)[0].strip().lower()}: link was dropped")
            return _DROP
        text, cut = _cut(checked_text(name, value, notes), limits.max_text)
        if cut and name not in truncated:
            truncated.append(name)
        return text
    if isinstance(value, dict):
        return _meta(value, limits, notes, truncated, depth + 1)
    if isinstance(value, list | tuple):
        kept = [_meta_value(name, v, limits, notes, truncated, depth + 1) for v in value[:1000]]
        return [v for v in kept if v is not _DROP]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def visible(text: str) -> str:
    """A warning as stored: the raw values it quotes shown as escapes when they are not clean text."""
    try:
        return checked_text("warning", text, [])
    except TextProblem:
        return text.encode("ascii", "backslashreplace").decode("ascii")


def _cut(text: str, limit: int) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    return text[:limit - 1].rstrip() + "…", True


def _small(value: str) -> str:
    return value[:100]


def _name(record: Record) -> str:
    key = record.key if isinstance(record.key, str) else repr(record.key)
    return key[:120]
