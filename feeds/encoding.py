"""Feeds that declare UTF-8 and are not: each invalid byte read as cp1252, before any parser guesses.

A feed that mixes UTF-8 with cp1252 (an editor pasting from Word into a UTF-8 CMS) is not valid
UTF-8, so feedparser gives up on the declaration and decodes the whole body by guess (cp1252,
or ISO-8859-2 when a byte is undefined in cp1252), which turns every correct "Ø" into "Ã˜" or
"Ă˜". Decoding here, byte run by byte run, keeps the valid UTF-8 as it is and reads only the bytes
that are not UTF-8 as cp1252; a byte cp1252 does not define becomes U+FFFD, and the record that
holds it is quarantined later (relay.store.text_repair), never stored.
"""

from __future__ import annotations

import re

_DECLARED = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']", re.I)
_UTF8_NAMES = {b"utf-8", b"utf8"}


_ESCAPED = re.compile("[\udc80-\udcff]")


def _one(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return "\ufffd"


_CP1252 = {0xDC00 + b: _one(b) for b in range(0x80, 0x100)}


def declared_encoding(raw: bytes) -> bytes | None:
    match = _DECLARED.match(raw[:200])
    return match.group(1).lower() if match else None


def repair_utf8(raw: bytes) -> tuple[bytes, int]:
    """(body as valid UTF-8, number of bytes read as cp1252); the body unchanged when it was valid
    or declares another encoding (the parser honours that declaration itself)."""
    declared = declared_encoding(raw)
    if declared is not None and declared not in _UTF8_NAMES:
        return raw, 0
    try:
        raw.decode("utf-8")
        return raw, 0
    except UnicodeDecodeError:
        pass
    # surrogateescape keeps each invalid byte as one lone surrogate (U+DC80 + byte): one linear pass.
    text = raw.decode("utf-8", errors="surrogateescape")
    count = len(_ESCAPED.findall(text))
    return _ESCAPED.sub(lambda m: _CP1252[ord(m.group())], text).encode("utf-8"), count
