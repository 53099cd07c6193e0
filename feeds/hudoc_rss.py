"""HUDOC RSS, every instance (SOURCES.md sections 3, 4 and 13): `/app/transform/rss` on each site.

Reads RSS 2.0 whose items have title, description, pubDate and a link carrying raw JSON in its
fragment (`http://hudoc.echr.coe.int/eng#{"itemid":["001-243188"]}`); that JSON's first id is the
item's identity, never the link. Channel dates (DD/MM/YYYY) are ignored. Item keys follow the
JSON collector's scheme: "hudoc:<itemid>" for the ECtHR (the JSON record lists that string as an
alias, so the two arrivals merge) and "<instance>:<id>" elsewhere; sectioned instances become
one record per document. The feeds are not in date order, so every item is read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from urllib.parse import unquote

from feeds.hudoc_instances import (
    INSTANCES,
    Instance,
    checked_date,
    document_id,
    instance_for,
    kind_for,
    states_in,
)
from feeds.records import (
    TITLE_PLACEHOLDER,
    FeedError,
    ParseResult,
    Payload,
    Record,
    Rejection,
    SourceConfig,
    check_param_types,
)
from feeds.text import clean_text
from feeds.xmlsafe import parse_xml

_POSITION = re.compile(r"^(.*?)\s+-\s+\d+(?:/\d+)?(?:\s+-\s+|\s*$)")
_ROUND_STATE_TYPE = re.compile(r"^\s*(\w*)\s+-\s+(.*?)\s+-\s+(.*)$")  # GRETA: "3 - Norway - Country Reports"
_COMPLAINT = re.compile(r"No\.?\s*(\d+/\d{4})")
_ESC_DECISION = re.compile(r"^cc-\d+-\d{4}-(.+?)-[a-z]{2}$", re.I)
_DECISION = re.compile(r"decision", re.I)


@dataclass
class Section:
    """One row of a sectioned report, from RSS or JSON, before it joins its document."""

    section_id: str
    title: str
    doc_title: str
    date_raw: str | None
    kind_text: str = ""
    states: tuple[str, ...] = ()
    language: str | None = None
    meta: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def check_params(params: dict) -> list[str]:
    problems = check_param_types(params, {"instance": (str,)})
    name = str(params.get("instance") or "") if isinstance(params, dict) else ""
    if not problems and name.upper() not in INSTANCES:
        problems.append(f"param 'instance' must name a HUDOC site ({', '.join(INSTANCES)}), not {name!r}")
    return problems


def parse(raw: bytes, *, source: SourceConfig) -> ParseResult:
    root = parse_xml(raw)
    if root.tag != "rss" or root.find("channel") is None:
        raise FeedError(f"HUDOC sent <{root.tag}> where an RSS feed was expected (an error page?).")
    result = ParseResult()
    inst: Instance | None = None
    seen: set[str] = set()
    repeats = 0
    entries = []
    for index, node in enumerate(root.find("channel").iterfind("item"), start=1):
        column, item_id = link_id(node.findtext("link"))
        if item_id is None:
            result.warnings.append(f"item {index} has no id in its link fragment and was skipped")
            continue
        inst = inst or instance_for(source, id_column=column)
        if column != inst.id_column:  # another site's feed would be stored under this instance's keys
            raise FeedError(f"The feed's links carry {column!r}, not {inst.id_column!r}: it is not a "
                            f"HUDOC {inst.code} feed.", retryable=False)
        if item_id in seen:  # the feeds repeat ids (ESC, COMMHR, GRECO …): the first one stands
            repeats += 1
            continue
        seen.add(item_id)
        entries.append((item_id, clean_text(node.findtext("title")), clean_text(node.findtext("description")),
                        (node.findtext("pubDate") or "").strip() or None))
    if repeats:
        result.warnings.append(f"{repeats} items repeated an id already in this feed; the first of each was kept")
    if inst is None:
        return result
    if inst.sectioned:
        result.records = group_documents(inst, (_section(inst, *entry) for entry in entries))
    else:
        for entry in entries:
            try:
                result.records.append(_item(inst, *entry))
            except (TypeError, ValueError, AttributeError, KeyError) as exc:  # one odd item, not the feed
                result.rejected.append(Rejection(f"item {entry[0]}", f"could not be read ({type(exc).__name__}: {exc})"))
    return result


def fetch(source: SourceConfig, *, since: date | None, http) -> Iterator[Payload]:
    """One conditional GET of the instance's feed; it holds what it holds, so `since` adds nothing."""
    url = source.url or instance_for(source).rss_url()
    response = http.get(url, headers=source.headers or None, etag=source.etag,
                        last_modified=source.last_modified, expect="xml")
    yield Payload(response.body, url=response.url, content_type=response.headers.get("content-type", ""),
                  etag=response.etag, last_modified=response.last_modified, not_modified=response.not_modified)


def link_id(link: str | None) -> tuple[str | None, str | None]:
    """(id column, first id) from a HUDOC link's JSON fragment; (None, None) when there is none."""
    _, hash_, fragment = (link or "").strip().partition("#")
    if not hash_:
        return None, None
    if not fragment.startswith("{"):
        fragment = unquote(fragment)  # a percent-encoded fragment, should HUDOC ever encode it
    try:
        data = json.loads(fragment)
    except ValueError:
        return None, None
    if not isinstance(data, dict) or not data:
        return None, None
    column, values = next(iter(data.items()))
    value = values[0] if isinstance(values, list) and values else values
    return (column, str(value).strip()) if isinstance(value, str | int) and str(value).strip() else (None, None)


def state_part(inst: Instance, title: str, description: str) -> tuple[str, ...]:
    """States named where this instance names them (title or description), never from an id.

    When that place names none (ECRI's joint press releases leave the state blank in the
    description and list the states in the title), the other field is read.
    """
    text, other = (title, description) if inst.rss_state_from == "title" else (description, title)
    if inst.rss_state_pattern and (matches := list(_compiled(inst.rss_state_pattern).finditer(text))):
        parts = [g for m in matches for g in m.groups() if g is not None]
        found = tuple(dict.fromkeys(s for part in parts for s in states_in(part)))
    else:
        found = states_in(text)
    return found or states_in(other)


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def esc_group(item_id: str, title: str) -> tuple[str | None, list[str]]:
    """(group_key, complaints): joined complaints share one decision under two ids; the group links them."""
    complaints = sorted(set(_COMPLAINT.findall(title)))
    match = _ESC_DECISION.match(item_id)
    if not match or not complaints:
        return None, complaints
    return f"esc:{match[1].lower()}:{'+'.join(complaints)}", complaints


def _item(inst: Instance, item_id: str, title: str, description: str, date_raw: str | None) -> Record:
    day, plausible, warnings = checked_date(date_raw)
    meta: dict = {"id_column": inst.id_column, inst.id_column: item_id, "description": description}
    if not title:
        title, warnings = description or item_id, (*warnings, "empty title; the description stands in")
        meta[TITLE_PLACEHOLDER] = True  # never replaces a real title (relay/store/merge.py)
    key, group, kind, key_case, language = f"{inst.prefix}:{item_id}", None, kind_for(inst, description, title), False, None
    if inst.code == "ECHR":
        # Only the itemid is known here; the JSON record carries "hudoc:<itemid>" as an alias.
        key, key_case = f"hudoc:{item_id}", "grand chamber" in description.lower()
        kind = "decision" if _DECISION.search(description) else "judgment"
        appnos, _, formation = description.partition(" - ")
        meta.update(appno=[a.strip() for a in appnos.split(";") if a.strip()], formation=formation or None)
        language = "nb" if "norwegian translation" in title.lower() else None
    elif inst.code == "EXEC":
        appnos, sep, _ = description.partition(" - ")
        meta["execappno"] = [a.strip() for a in appnos.split(";") if a.strip()] if sep else []
    elif inst.code == "ESC":
        group, meta["complaints"] = esc_group(item_id, title)
    return Record(key=key, kind=kind, title=title, url=inst.item_url(item_id), date=day, date_raw=date_raw,
                  date_plausible=plausible, body=inst.code, states=state_part(inst, title, description),
                  language=language, text=description, group_key=group, key_case=key_case, meta=meta,
                  warnings=tuple(warnings))


def _section(inst: Instance, item_id: str, title: str, description: str, date_raw: str | None) -> Section:
    match = _POSITION.match(description)
    doc_title = match[1].strip(" -") if match else description.strip(" -")
    if inst.code == "GRETA" and (m := _ROUND_STATE_TYPE.match(description)):
        doc_title = f"{m[3]}: {m[2]}" + (f" (round {m[1]})" if m[1] else "")
    return Section(item_id, title, doc_title, date_raw, kind_text=f"{description} {title}",
                   states=state_part(inst, title, description), meta={"description": description})


def group_documents(inst: Instance, sections: Iterable[Section]) -> list[Record]:
    """One record per document: sections grouped by their id without its trailing "-<n>"."""
    groups: dict[str, list[tuple[int | None, Section]]] = {}
    for section in sections:
        doc, number = document_id(section.section_id)
        groups.setdefault(doc, []).append((number, section))
    return [_document(inst, doc, sorted(parts, key=lambda p: (p[0] is None, p[0] or 0)))
            for doc, parts in groups.items()]


def _document(inst: Instance, doc: str, parts: list[tuple[int | None, Section]]) -> Record:
    sections = [s for _, s in parts]
    checked = [checked_date(s.date_raw) for s in sections]
    good = [(d, s.date_raw) for (d, _, _), s in zip(checked, sections, strict=True) if d]
    day, date_raw = min(good) if good else (None, next((s.date_raw for s in sections if s.date_raw), None))
    warnings = [w for _, _, ws in checked for w in ws] + [w for s in sections for w in s.warnings]
    titles = [s.title or s.doc_title for s in sections]
    title = next((s.doc_title for s in sections if s.doc_title), "")
    if not title:
        title = next((t for t in titles if t), doc)
        warnings.append("no document title; a section title stands in")
    first = sections[0]
    meta = {**first.meta, "id_column": inst.id_column, "document_id": doc, "sections": titles,
            "section_ids": [s.section_id for s in sections]}
    return Record(
        key=f"{inst.prefix}:{doc}", kind=kind_for(inst, first.kind_text, title), title=title,
        url=inst.item_url(first.section_id), date=day, date_raw=date_raw,
        date_plausible=bool(good) or all(ok for _, ok, _ in checked), body=inst.code,
        states=tuple(dict.fromkeys(s for sec in sections for s in sec.states)), language=first.language,
        text="; ".join(dict.fromkeys(t for t in titles if t)), group_key=None, meta=meta,
        warnings=tuple(dict.fromkeys(warnings)),
    )
