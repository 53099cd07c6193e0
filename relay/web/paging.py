"""Pages of a long list whose filters live in the address: ?q=…&page=2 can be bookmarked and shared,
and every link to another page keeps the other filters as they were."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from relay.web.api_models import small_int


@dataclass(frozen=True)
class Page:
    rows: list
    number: int  # 1-based
    size: int
    total: int
    base: str  # path and the other query parameters, without page=

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """The 1-based position of the first row shown (0 when there is none)."""
        return 0 if not self.total else (self.number - 1) * self.size + 1

    @property
    def last(self) -> int:
        return min(self.total, self.number * self.size)

    def href(self, number: int) -> str:
        joiner = "&" if "?" in self.base else "?"
        return self.base if number == 1 else f"{self.base}{joiner}page={number}"

    @property
    def previous(self) -> str | None:
        return self.href(self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.href(self.number + 1) if self.number < self.pages else None


def paginate(rows: list, *, path: str, query: QueryParams, size: int) -> Page:
    """The rows of the page asked for by ?page= (past the end: the last page; nonsense: the first)."""
    total = len(rows)
    pages = max(1, -(-total // size))
    number = min(max(small_int(query.get("page")) or 1, 1), pages)
    kept = [(k, v) for k, v in query.multi_items() if k not in ("page", "notice") and v != ""]
    base = f"{path}?{urlencode(kept)}" if kept else path
    start = (number - 1) * size
    return Page(rows=rows[start:start + size], number=number, size=size, total=total, base=base)


def matches(query: str, *texts: str | None) -> bool:
    """Every word of the search is somewhere in the texts (case and accents as typed are ignored for case)."""
    haystack = " ".join(t for t in texts if t).casefold()
    return all(word in haystack for word in query.casefold().split())
