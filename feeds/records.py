"""The contract between collectors and the rest of Relay.

A collector module exposes
    fetch(source: SourceConfig, *, since: date | None, http: relay.http.HttpClient) -> Iterator[Payload]
    parse(raw: bytes, *, source: SourceConfig) -> ParseResult      (pure: no network, no database)
    check_params(params: dict) -> list[str]                        (what is wrong with a source's params)
It knows nothing about the database; relay.collect stores what parse returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


class FeedError(Exception):
    """The whole payload is unusable (not XML, a default result set, an HTML error page …).

    The runner records the message on the source and stores nothing from this run.
    retryable=False marks faults that retrying will not cure (a filter the API ignores).
    """

    def __init__(self, message: str, *, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class SourceConfig:
    """What a collector needs to know about its source; built from config/sources.toml or the source row."""

    key: str
    kind: str
    name: str = ""
    url: str = ""
    params: dict = field(default_factory=dict)  # kind-specific: instance, query filters, countries …
    headers: dict = field(default_factory=dict)  # per-source header overrides (User-Agent, Referer)
    etag: str | None = None
    last_modified: str | None = None
    cursor: str | None = None  # collector-defined position, e.g. the newest date seen
    workdir: str | None = None  # a folder for large downloads (UHRI), given by the runner: <data_dir>/downloads


@dataclass(frozen=True)
class Payload:
    """One response body as fetched, with what the runner must keep for conditional GET."""

    body: bytes
    url: str = ""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # a 304: nothing new, and a success
    cursor: str | None = None  # new position to store on the source after a successful run


# Record.meta flag: the title is a stand-in (an itemid, a description) for an empty one; it never
# replaces a real title when the record merges into a stored item, and any real title replaces it.
TITLE_PLACEHOLDER = "title_placeholder"


@dataclass(frozen=True)
class Record:
    """One normalised item. Text fields are plain text: markup from the source is already stripped."""

    key: str  # stable item key: ECLI+language, UN symbol, UHRI AnnotationId, feed guid …
    kind: str  # judgment, decision, concluding-observations, list-of-issues, views, recommendation, report, news
    title: str
    url: str | None = None  # https link to the human page
    date: date | None = None  # None when missing or implausible (date_raw keeps what the source said)
    date_raw: str | None = None
    date_plausible: bool = True
    body: str | None = None  # issuing body: ECHR, ESC, EXEC, CPT, ECRI, GRETA, GREVIO, FCNM, ECRML, GRECO, COMMHR, CRC …
    states: tuple[str, ...] = ()  # ISO 3166 alpha-3
    language: str | None = None  # ISO 639-1 where known (en, fr, nb, nn …)
    text: str = ""  # description, excerpt or paragraph text
    aliases: tuple[str, ...] = ()  # other keys the same item is known by (HUDOC itemid …)
    group_key: str | None = None  # ECLI for language versions, DocumentId/symbol for paragraphs
    parent_key: str | None = None  # a paragraph's document item key
    key_case: bool = False  # importance 1 or Grand Chamber
    meta: dict = field(default_factory=dict)  # source fields the tagger reads (article, kpthesaurus, themes …)
    warnings: tuple[str, ...] = ()  # item-level problems recorded with the item (bad date, bad encoding …)


@dataclass(frozen=True)
class Rejection:
    """One record left out of a payload, and why; the rest of the payload is stored.

    Shown on the source's health page and by `relay sources`, and logged.
    """

    record: str  # what names it in the payload: "row 3 (001-243188)", "uhri:4f1c…", "entry 7"
    reason: str


@dataclass
class ParseResult:
    records: list[Record] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # source-level, non-fatal (bozo feed, skipped entries)
    total: int | None = None  # what the source says it holds (resultcount, MARC total comment)
    rejected: list[Rejection] = field(default_factory=list)  # records skipped for what they hold


# Every kind accepts per-source request headers (relay.sources.source_config reads them).
COMMON_PARAMS: dict[str, tuple[type, ...]] = {"headers": (dict,)}


def check_param_types(params, accepted: dict[str, tuple[type, ...]]) -> list[str]:
    """Unknown names and wrong types in a source's params, one line each.

    An unknown name is an error, not ignored: a misspelt filter ("respondnet") would silently
    widen a query to every state. A list is accepted wherever its items have an accepted type.
    """
    if not isinstance(params, dict):
        return [f"params must be a table, not {type(params).__name__}"]
    allowed = {**COMMON_PARAMS, **accepted}
    problems = []
    for name, value in params.items():
        if name not in allowed:
            problems.append(f"unknown param {name!r} (known: {', '.join(sorted(allowed))})")
            continue
        types = allowed[name]
        items = value if isinstance(value, list) and list not in types else [value]
        if isinstance(value, bool) or not all(isinstance(v, types) and not isinstance(v, bool) for v in items):
            problems.append(f"param {name!r} must be {' or '.join(t.__name__ for t in types)}"
                            f"{' (or a list of them)' if list not in types else ''}, not {value!r}")
    return problems
