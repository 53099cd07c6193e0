"""Safe XML parsing for every XML source (HUDOC RSS, UN Digital Library MARCXML, RSS/Atom).

Reads untrusted bytes from the network. lxml is told never to expand entities, load a DTD or touch
the network, and `huge_tree=False` keeps its limits on depth and text size. On top of that a
document that declares entities is refused outright (billion laughs, XXE): no source Relay
reads needs them, so their presence means a broken or hostile payload, not data to salvage.
"""

from __future__ import annotations

import re

from lxml import etree

from feeds.encoding import declared_encoding, repair_utf8
from feeds.records import FeedError

# Entity declarations live in the internal DTD subset, which sits in the prolog, before the root
# element; a real prolog is a few hundred bytes, so the first 64 KiB always holds it.
_PROLOG_BYTES = 65_536
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)
_LEADING_SPACE = b" \t\r\n"


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers keep per-document state and are not safe to share
    # between threads, and building one costs microseconds.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           dtd_validation=False, remove_comments=False)


def parse_xml(raw: bytes) -> etree._Element:
    """The root element of `raw`, or FeedError when it is not XML or declares entities."""
    if not raw or not raw.strip():
        raise FeedError("The response body is empty, not XML.")
    if raw[:1] in _LEADING_SPACE:
        # Some servers send a newline before <?xml …?>, which libxml2 rejects as misplaced.
        raw = raw.lstrip(_LEADING_SPACE)
    _refuse_entity_declarations(_ascii_view(raw[:_PROLOG_BYTES]))
    try:
        root = etree.fromstring(raw, parser=_parser())
    except etree.XMLSyntaxError as exc:
        # One bad element must not cost the feed its other items. An oversized text (a 30 MB
        # description) is cut; bytes that are not UTF-8 in a UTF-8 document are read as cp1252,
        # and characters XML forbids become U+FFFD, so the record holding them is quarantined
        # (relay.store.text_repair) while the rest is read. libxml2's limits stay on.
        mended = _mend(raw, str(exc))
        if mended is None:
            raise FeedError(f"The response is not well-formed XML: {exc}") from exc
        try:
            root = etree.fromstring(mended, parser=_parser())
        except etree.XMLSyntaxError as again:
            raise FeedError(f"The response is not well-formed XML: {again}") from again
    if root is None:
        raise FeedError("The response holds no XML element.")
    # Second line of defence, for encodings the byte scan cannot read (UTF-16 without the
    # zero bytes lining up, EBCDIC …): ask the parsed DTD itself.
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise _entity_error()
    return root


_XML_FORBIDDEN = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_REPLACEMENT = "\ufffd".encode()


def _mend(raw: bytes, error: str) -> bytes | None:
    """The body with what broke the parse mended, or None when nothing here can mend it."""
    mended = raw
    if "Text node too long" in error:
        mended = shorten_text_runs(mended)
    if declared_encoding(mended) in (None, b"utf-8", b"utf8"):
        mended, _ = repair_utf8(mended)
        mended = _XML_FORBIDDEN.sub(_REPLACEMENT, mended)
    return mended if mended != raw else None


TEXT_RUN_LIMIT = 1_000_000  # bytes kept of one text run; records are cut far shorter later (relay.store.screen)
_TEXT_RUN = re.compile(rb">([^<]{%d,})<" % (TEXT_RUN_LIMIT + 1))


def shorten_text_runs(raw: bytes, limit: int = TEXT_RUN_LIMIT) -> bytes:
    """The document with every text run between tags cut to `limit` bytes, never inside a UTF-8
    character or an entity reference, so the result is as well-formed as the input."""
    def cut(match: re.Match) -> bytes:
        text = match.group(1)[:limit]
        while text and 0x80 <= text[-1] <= 0xBF:  # a continuation byte: drop the partial character
            text = text[:-1]
        if text and text[-1] >= 0xC0:  # a lead byte whose continuation was cut off
            text = text[:-1]
        amp = text.rfind(b"&")
        if amp != -1 and b";" not in text[amp:]:
            text = text[:amp]
        return b">" + text + b"<"

    return _TEXT_RUN.sub(cut, raw)


def _ascii_view(head: bytes) -> bytes:
    """The prolog as ASCII-compatible bytes, so the scan also sees a UTF-16 document's DOCTYPE."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) > 1 and (head[0] == 0 or head[1] == 0)):
        return head.replace(b"\x00", b"")
    return head


def _refuse_entity_declarations(head: bytes) -> None:
    doctype = _DOCTYPE.search(head)
    if doctype and _ENTITY_DECL.search(head, doctype.start()):
        raise _entity_error()


def _entity_error() -> FeedError:
    return FeedError(
        "The XML declares entities in a DOCTYPE (entity expansion or an external entity: "
        "'billion laughs' or XXE); Relay refuses such documents without expanding anything.",
        retryable=False,
    )
