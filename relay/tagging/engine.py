"""tag(item) -> [TagDecision]: pure, no database. Every decision carries the evidence that made it.

A sector is emitted when the summed weights of its rules reach the threshold (config/sectors.toml).
Each rule counts once per item however often its words occur, so a long text does not outvote a
publisher's label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from relay.tagging.sectors import Rule, Ruleset, get_ruleset, norm_value
from relay.tagging.textmatch import Hit

_ATTRIBUTES = ("body", "kind", "language", "states")
_CONTEXT_SHOWN = 3  # context hits kept as evidence for a gated rule: enough to explain, not a dump


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Evidence:
    rule: str
    kind: str  # text | meta | prior | negative | context
    weight: float
    field: str
    matches: tuple[Match, ...] = ()
    values: tuple[str, ...] = ()

    def to_json(self) -> dict:
        out: dict = {"rule": self.rule, "kind": self.kind, "field": self.field, "weight": self.weight}
        if self.matches:
            out["matches"] = [{"start": m.start, "end": m.end, "text": m.text} for m in self.matches]
            out["positions"] = [[m.start, m.end] for m in self.matches]  # the shape the web and API read
            out["words"] = [m.text for m in self.matches]
        if self.values:
            out["value"] = self.values[0] if len(self.values) == 1 else list(self.values)
        return out


@dataclass(frozen=True)
class TagDecision:
    sector: str
    score: float
    evidence: tuple[Evidence, ...]
    origin: str = "rule"

    def evidence_json(self) -> list[dict]:
        return [e.to_json() for e in self.evidence]


def _get(item, name: str, default=None):
    return item.get(name, default) if isinstance(item, dict) else getattr(item, name, default)


def field_texts(item, fields: Iterable[str], passages: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
    """The texts the lexicon reads: title and text, string or list metadata, and document passages."""
    meta = _get(item, "meta") or {}
    out = {"title": _get(item, "title") or "", "text": _get(item, "text") or ""}
    for name in fields:
        if name in out or name.startswith("document."):
            continue
        value = meta.get(name)
        if isinstance(value, str):
            out[name] = value
        elif isinstance(value, list | tuple):
            out[name] = "; ".join(str(v) for v in value)  # positions are then within this joined text
    out.update((name, text) for name, text in passages if text)
    return out


def meta_values(item, name: str) -> list[str]:
    """A metadata field as a list of labels: item attributes (body, kind, language) or meta."""
    if name in ("body", "kind", "language"):
        value = _get(item, name)
    elif name == "states":
        value = (_get(item, "states") or "").split(";")
    else:
        value = (_get(item, "meta") or {}).get(name)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[;,]" if name == "article" else ";", value) if v.strip()]
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value if str(v).strip()]
    return [str(value)]


def _wanted(rule: Rule, field: str) -> bool:
    return field in rule.fields or (field.startswith("document.") and "document.*" in rule.fields)


def tag(item, *, ruleset: Ruleset | None = None, passages: Iterable[tuple[str, str]] = ()) -> list[TagDecision]:
    """The sectors an item concerns, in SECTORS.md order, each with its evidence and score."""
    ruleset = ruleset or get_ruleset()
    texts = field_texts(item, ruleset.text_fields, passages)
    hits: dict[str, list[tuple[str, Hit]]] = {}
    for name, text in texts.items():
        for hit in ruleset.lexicon.find(text):
            hits.setdefault(hit.owner, []).append((name, hit))
    scores: dict[str, float] = {}
    evidence: dict[str, list[Evidence]] = {}
    values_cache: dict[str, dict[str, str]] = {}
    meta = _get(item, "meta") or {}
    for rule in ruleset.rules:
        # Cheap exits first: most rules have neither a hit nor their metadata field on a given item.
        if rule.id not in hits and (rule.field is None or not (rule.field in meta or rule.field in _ATTRIBUTES)):
            continue
        if rule.unless and any(owner in hits for owner in rule.unless):
            continue
        if rule.requires and not any(owner in hits for owner in rule.requires):
            continue
        found = _text_evidence(rule, hits) if rule.id in hits else []
        if rule.field and not found:
            if rule.field not in values_cache:
                values_cache[rule.field] = {norm_value(v): v for v in meta_values(item, rule.field)}
            matched = [raw for normed, raw in values_cache[rule.field].items() if normed in rule.values]
            if matched:
                found = [Evidence(rule.id, rule.kind, rule.weight, rule.field, values=tuple(matched))]
        if not found:
            continue
        scores[rule.sector] = scores.get(rule.sector, 0.0) + rule.weight
        bucket = evidence.setdefault(rule.sector, [])
        bucket += found
        for owner in rule.requires:
            for name, hit in hits.get(owner, [])[:_CONTEXT_SHOWN]:
                bucket.append(Evidence(f"{rule.id}:requires", "context", 0.0, name,
                                       (Match(hit.start, hit.end, hit.text),)))
    out = []
    for sector in ruleset.thresholds:
        score = round(scores.get(sector, 0.0), 3)
        if score >= ruleset.thresholds[sector] and sector in evidence:
            out.append(TagDecision(sector, score, tuple(_dedupe(evidence[sector]))))
    return out


def _text_evidence(rule: Rule, hits: dict[str, list[tuple[str, Hit]]]) -> list[Evidence]:
    by_field: dict[str, list[Match]] = {}
    masks = hits.get(f"except:{rule.id}", ()) if rule.masked else ()
    for name, hit in hits.get(rule.id, ()):
        if any(f == name and m.start <= hit.start and hit.end <= m.end for f, m in masks):
            continue  # inside an `except` phrase: "school environment" is not the environment
        if _wanted(rule, name):
            by_field.setdefault(name, []).append(Match(hit.start, hit.end, hit.text))
    return [Evidence(rule.id, rule.kind, rule.weight, name, tuple(sorted(ms, key=lambda m: m.start)))
            for name, ms in by_field.items()]


def _dedupe(items: list[Evidence]) -> list[Evidence]:
    return list(dict.fromkeys(items))
