"""config/sectors.toml: the 17 sectors and their rules, validated and compiled once.

Every problem is reported with the rule (or sector) it belongs to, all at once, so that one
`relay check` run shows everything wrong with the file rather than the first mistake.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from feeds.uhri import normalise_label
from relay.tagging.textmatch import Lexicon, TermError, compile_term

SECTOR_IDS = (
    "governance", "child-welfare", "education", "health-care", "elderly-care", "disability", "social-services",
    "housing", "planning-environment", "integration", "minorities-sami", "equality-violence", "privacy",
    "democracy-participation", "culture-language-religion", "employment", "justice-detention",
)
LANGUAGES = ("nb", "nn", "en", "sv")
KINDS = ("text", "meta", "prior", "negative")
RULE_KEYS = {"id", "kind", "weight", "terms", "fields", "field", "values", "requires", "unless", "except", "alone",
             "note"}
SECTOR_KEYS = {"id", "names", "scope", "rule", "threshold"}
DEFAULT_FIELDS = ("title", "text", "issue", "subjects", "document.*")


class SectorsFileError(ValueError):
    """The file is unusable; the message has one line per problem, each naming its rule or sector."""


@dataclass(frozen=True)
class Rule:
    id: str
    sector: str
    kind: str
    weight: float
    terms: tuple[str, ...] = ()
    fields: tuple[str, ...] = DEFAULT_FIELDS
    field: str | None = None  # meta, prior and metadata negatives: the field read
    values: frozenset[str] = frozenset()  # normalised with norm_value()
    requires: tuple[str, ...] = ()  # lexicon owners of which one must occur anywhere in the item
    unless: tuple[str, ...] = ()  # lexicon owners that switch the rule off
    masked: bool = False  # has `except` phrases: a hit inside one of them does not count
    note: str = ""


@dataclass(frozen=True)
class Sector:
    id: str
    names: dict[str, str]
    scope: str
    threshold: float


@dataclass
class Ruleset:
    path: str
    threshold: float
    sectors: list[Sector]
    rules: list[Rule]
    lexicon: Lexicon
    by_id: dict[str, Rule] = field(default_factory=dict)

    def __post_init__(self):
        self.by_id = {r.id: r for r in self.rules}
        self.thresholds = {s.id: s.threshold for s in self.sectors}
        self.text_fields = tuple(dict.fromkeys(f for r in self.rules if r.terms for f in r.fields
                                               if not f.startswith("document.")))


def norm_value(value: object) -> str:
    """Metadata labels compared loosely: spaces and ' / ' spellings as the UHRI collector stores its
    themes and affected persons (feeds.uhri.normalise_label, the one spelling rule for those labels),
    then case and a leading '- ' (UHRI Body). Rule values and item values both pass through here."""
    return normalise_label(value).lstrip("- ").casefold()


def load_sectors_file(path: str | os.PathLike) -> Ruleset:
    """Read, validate and compile the file; raises SectorsFileError naming every broken rule."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SectorsFileError(f"{path.name}: not valid TOML: {exc}") from None
    return build_ruleset(data, name=path.name, path=str(path))


def build_ruleset(data: dict, *, name: str = "sectors.toml", path: str = "") -> Ruleset:
    problems: list[str] = []
    settings = data.get("tagging", {})
    threshold = float(settings.get("threshold", 1.0))
    entries: list[tuple[str, str]] = []  # (lexicon owner, term)
    for gate, spec in (data.get("gate") or {}).items():
        entries += [(f"@{gate}", t) for t in spec.get("terms", [])]
    gates = {f"@{g}" for g in data.get("gate") or {}}
    sectors, rules, seen = [], [], set()
    raw_sectors = data.get("sector") or []
    ids = tuple(s.get("id") for s in raw_sectors)
    if ids != SECTOR_IDS:
        problems.append(f"{name}: sectors must be exactly {', '.join(SECTOR_IDS)} in that order; found "
                        f"{', '.join(map(str, ids)) or 'none'}")
    for raw in raw_sectors:
        sid = str(raw.get("id"))
        where = f"{name}: sector '{sid}'"
        problems += [f"{where}: unknown key '{k}'" for k in raw if k not in SECTOR_KEYS]
        names = raw.get("names") or {}
        missing = [lang for lang in LANGUAGES if not names.get(lang)]
        if missing:
            problems.append(f"{where}: no name in {', '.join(missing)}")
        sectors.append(Sector(sid, dict(names), str(raw.get("scope", "")), float(raw.get("threshold", threshold))))
        for spec in raw.get("rule") or []:
            rule, rule_problems, rule_entries = _rule(spec, sid, threshold, gates, name)
            problems += rule_problems
            if rule is None:
                continue
            if rule.id in seen:
                problems.append(f"{name}: rule '{rule.id}' (sector {sid}): duplicate rule id")
            seen.add(rule.id)
            rules.append(rule)
            entries += rule_entries
    if problems:
        raise SectorsFileError("\n".join(problems))
    try:
        lexicon = Lexicon(entries)
    except TermError as exc:  # already checked per rule; kept for gates
        raise SectorsFileError(f"{name}: {exc}") from None
    return Ruleset(path=path, threshold=threshold, sectors=sectors, rules=rules, lexicon=lexicon)


def _rule(spec: dict, sector: str, threshold: float, gates: set[str], name: str):
    rid = str(spec.get("id") or "?")
    where = f"{name}: rule '{rid}' (sector {sector})"
    problems = [f"{where}: unknown key '{k}'" for k in spec if k not in RULE_KEYS]
    kind = spec.get("kind", "text")
    if not spec.get("id"):
        problems.append(f"{where}: 'id' is required")
    if kind not in KINDS:
        problems.append(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    weight = spec.get("weight")
    if not isinstance(weight, int | float) or isinstance(weight, bool) or weight == 0:
        problems.append(f"{where}: 'weight' must be a non-zero number")
        weight = 0.0
    if kind == "negative" and weight > 0:
        problems.append(f"{where}: a negative rule needs a weight below 0")
    if kind != "negative" and weight < 0:
        problems.append(f"{where}: only negative rules may have a weight below 0")
    if (kind == "prior" or spec.get("alone") is False) and weight >= threshold:
        problems.append(f"{where}: weight {weight} would decide alone; it must stay below the threshold {threshold}")
    terms = [str(t) for t in spec.get("terms", [])]
    values = spec.get("values", [])
    if kind == "text" and not terms:
        problems.append(f"{where}: a text rule needs 'terms'")
    if kind in ("meta", "prior") and not (spec.get("field") and values):
        problems.append(f"{where}: a {kind} rule needs 'field' and 'values'")
    if kind == "negative" and not terms and not (spec.get("field") and values):
        problems.append(f"{where}: a negative rule needs 'terms' or 'field' and 'values'")
    entries = [(rid, t) for t in terms]
    requires, unless = [], []
    for key, owners in (("requires", requires), ("unless", unless)):
        for t in spec.get(key, []):
            if t.startswith("@"):
                if t not in gates:
                    problems.append(f"{where}: '{key}' names an unknown gate {t!r}")
                owners.append(t)
            else:
                owners.append(f"{key}:{rid}")
                entries.append((f"{key}:{rid}", t))
    entries += [(f"except:{rid}", str(t)) for t in spec.get("except", [])]
    for _, term in entries:
        try:
            compile_term(term)
        except (TermError, re.error) as exc:
            problems.append(f"{where}: term {term!r}: {exc}")
    if problems:
        return None, problems, []
    rule = Rule(id=rid, sector=sector, kind=kind, weight=float(weight), terms=tuple(terms),
                fields=tuple(spec.get("fields", DEFAULT_FIELDS)), field=spec.get("field"),
                values=frozenset(norm_value(v) for v in values), requires=tuple(dict.fromkeys(requires)),
                unless=tuple(dict.fromkeys(unless)), masked=bool(spec.get("except")), note=str(spec.get("note", "")))
    return rule, [], entries


def default_path() -> Path:
    from relay.settings import get_settings

    settings = get_settings()
    return settings.path(settings.sectors_file)


@lru_cache(maxsize=4)
def _cached(path: str, mtime: float) -> Ruleset:
    return load_sectors_file(path)


def get_ruleset(path: str | os.PathLike | None = None) -> Ruleset:
    """The compiled rules, loaded once per file version (an edited file is read again)."""
    path = Path(path) if path is not None else default_path()
    return _cached(str(path), path.stat().st_mtime)
