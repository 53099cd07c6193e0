"""The explicit collector registry: every source kind Relay knows, and the module that reads it.

Nothing is discovered by magic (STYLE C2): a module in feeds/ that is not listed here fails a test.
Each module exposes parse(raw, *, source) -> ParseResult and fetch(source, *, since, http) -> Iterator[Payload].
"""

from __future__ import annotations

import importlib
from types import ModuleType

COLLECTORS: dict[str, str] = {
    "rss": "feeds.rss",  # any RSS/Atom feed: regjeringen.no, the national human rights institution …
    "hudoc": "feeds.hudoc",  # HUDOC JSON query API, every instance (ECHR, ESC, EXEC, CPT, ECRI …)
    "hudoc-rss": "feeds.hudoc_rss",  # HUDOC RSS, every instance
    "undl": "feeds.undl",  # UN Digital Library MARCXML: treaty-body documents by symbol
    "uhri": "feeds.uhri",  # OHCHR Universal Human Rights Index bulk export, streamed
}


class UnknownKind(KeyError):
    pass


def collector(kind: str) -> ModuleType:
    try:
        return importlib.import_module(COLLECTORS[kind])
    except KeyError:
        raise UnknownKind(f"unknown source kind {kind!r}; known kinds: {', '.join(sorted(COLLECTORS))}") from None
