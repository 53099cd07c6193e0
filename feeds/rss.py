"""Any RSS 2.0 or Atom feed: regjeringen.no, the national human rights institution (NIM) … (SOURCES.md 9).

feedparser only ever gets the bytes, wrapped in BytesIO: given a bare string or bytes it would
fetch a URL or open a local file of that name.

Keys: "rss:<source key>:<entry id>", with the guid/id when the entry has one, else its link
(meta["key_from"] says which). A guid is only unique within its feed, so the source key is part of
the item key; the same page reached through two feeds still becomes one item through the alias
"url:<https link>", which the store looks up like a key. Never a content hash: feed text changes
between fetches.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from io import BytesIO
from urllib.parse import urlsplit, urlunsplit

import feedparser

from feeds.encoding import repair_utf8
from feeds.records import FeedError, ParseResult, Payload, Record, Rejection, SourceConfig, check_param_types
from feeds.text import clean_text
from feeds.undl import checked_date
from feeds.xmlsafe import parse_xml

# Hosts known to serve every page over https; their http:// links are rewritten (subdomains too).
HTTPS_HOSTS = ("regjeringen.no", "nhri.no", "coe.int", "ohchr.org", "un.org")
_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)


def check_params(params: dict) -> list[str]:
    return check_param_types(params, {"body": (str,), "states": (str,), "https_hosts": (str,)})


def parse(raw: bytes, *, source: SourceConfig) -> ParseResult:
    if not raw.strip():
        raise FeedError("The feed answered with an empty body.")
    if _HTML_START.match(raw[:4096]):
        raise FeedError("The feed address returned an HTML page, not RSS or Atom (an error or moved page?).")
    _refuse_entities(raw)
    raw, misread = repair_utf8(raw)
    parsed = feedparser.parse(BytesIO(raw), sanitize_html=True, resolve_relative_uris=False)
    result = ParseResult()
    if misread:
        result.warnings.append(f"The feed is not valid UTF-8: {misread} byte(s) were read as cp1252.")
    if parsed.bozo:
        problem = f"{type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}"
        if not parsed.entries:
            raise FeedError(f"The feed is malformed and yields no entries ({problem}).")
        if isinstance(parsed.bozo_exception, feedparser.CharacterEncodingOverride):
            result.warnings.append(f"The feed is not in the encoding it declares, so it was decoded by guess ({problem}).")
        else:
            result.warnings.append(f"The feed is malformed but still yields entries ({problem}).")
    if not parsed.version and not parsed.entries:
        raise FeedError("The body is neither RSS nor Atom.")
    links = Counter(e.get("link") for e in parsed.entries if e.get("link"))
    language = _language(parsed.feed.get("language"))
    for index, entry in enumerate(parsed.entries, start=1):
        try:
            record = _record(entry, source, language, shared_link=links[entry.get("link")] > 1,
                             feed_title=clean_text(parsed.feed.get("title", "")))
        except (TypeError, ValueError, AttributeError, KeyError) as exc:  # one odd entry, not the feed
            result.rejected.append(Rejection(f"entry {index}", f"could not be read ({type(exc).__name__}: {exc})"))
            continue
        if record is None:
            result.warnings.append(f"entry {index} has neither an id nor a link and was skipped")
        else:
            result.records.append(record)
    return result


def fetch(source: SourceConfig, *, since: date | None, http) -> Iterator[Payload]:
    """One conditional GET; a feed holds its recent entries, so `since` has nothing to add."""
    response = http.get(source.url, headers=source.headers or None, etag=source.etag,
                        last_modified=source.last_modified, expect="xml")
    yield Payload(response.body, url=response.url, content_type=response.headers.get("content-type", ""),
                  etag=response.etag, last_modified=response.last_modified, not_modified=response.not_modified)


def https_url(link: str | None, extra_hosts: tuple[str, ...] = ()) -> tuple[str | None, str | None]:
    """(url, warning): http links to hosts known to serve https become https; others are kept and noted."""
    if not link:
        return None, None
    parts = urlsplit(link.strip())
    if parts.scheme != "http":
        return link.strip(), None
    host = (parts.hostname or "").lower()
    if any(host == h or host.endswith("." + h) for h in (*HTTPS_HOSTS, *extra_hosts)):
        return urlunsplit(("https", *parts[1:])), None
    return link.strip(), f"link {link.strip()!r} is plain http and {host} is not known to serve https"


def _record(entry, source: SourceConfig, language: str | None, *, shared_link: bool, feed_title: str) -> Record | None:
    entry_id, link = (entry.get("id") or "").strip(), (entry.get("link") or "").strip()
    if not entry_id and not link:
        return None
    key_from = "id" if entry_id else "link"
    url, link_warning = https_url(link, tuple(source.params.get("https_hosts", ())))
    summary = clean_text(entry.get("summary", ""))
    title = clean_text(entry.get("title", "")) or _first_words(summary) or url or entry_id
    date_raw = entry.get("published") or entry.get("updated") or None
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")  # feedparser gives these in UTC
    day, plausible, warnings = checked_date(date(*stamp[:3]) if stamp else None, date_raw)
    # A link several entries share (a front page) identifies none of them, so it is no alias.
    aliases = (f"url:{url}",) if url and not shared_link else ()
    return Record(
        key=f"rss:{source.key}:{entry_id or link}", kind="news", title=title, url=url,
        date=day, date_raw=date_raw, date_plausible=plausible,
        body=source.params.get("body"), states=tuple(source.params.get("states", ["NOR"])),
        language=_language(entry.get("language")) or language, text=summary, aliases=aliases,
        meta={"key_from": key_from, "entry_id": entry_id or None, "link": link or None, "feed_title": feed_title,
              "categories": [t.get("term") for t in entry.get("tags", []) if t.get("term")]},
        warnings=tuple(w for w in (*warnings, link_warning) if w),
    )


def _refuse_entities(raw: bytes) -> None:
    """Entity declarations (billion laughs, XXE) fail the source: xmlsafe decides, as for all XML.

    Only a feed that mentions <!ENTITY is put through it, because xmlsafe also refuses
    malformed XML, and feedparser's leniency with a malformed feed is the point of using it.
    """
    if _ENTITY_DECL.search(raw[:65_536]):
        parse_xml(raw)  # raises FeedError; returns only when the mention is not a declaration


def _language(value) -> str | None:
    return str(value).strip().lower().split("-")[0] or None if value else None


def _first_words(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"
