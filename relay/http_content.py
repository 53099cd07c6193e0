""""Success that is not success": a 2xx whose body is not what the collector asked for.

Sources answer 200 with an HTML error page, or 202 with nothing (UN Digital Library), and a
collector must never read either as "no new records". The first bytes decide, because
servers mislabel content types far more often than they mislabel bodies.
"""

from __future__ import annotations

import re

from relay.http_errors import FetchError, reason, redact_url

EXPECTS = ("xml", "json", "html")
_PROLOG = re.compile(rb"^(?:\s+|<\?.*?\?>|<!--.*?-->)+", re.S)
_HTML_START = re.compile(rb"<(?:!doctype\s+html|html|head|body)[\s>]", re.I)
_NAMES = {"xml": "XML", "json": "JSON", "html": "an HTML page"}


def sniff(body: bytes) -> str:
    """What the body looks like: "json", "html", "xml" or "text"."""
    head = body[:4096].removeprefix(b"\xef\xbb\xbf").lstrip()
    if head.startswith((b"{", b"[")):
        return "json"
    if not head.startswith(b"<"):
        return "text"
    # An XHTML error page may open with an XML declaration, so look past the prolog.
    root = _PROLOG.sub(b"", head)
    return "html" if _HTML_START.match(root) or _HTML_START.match(head) else "xml"


def check_body(url: str, status: int, content_type: str, body: bytes, expect: str | None) -> None:
    """Raise FetchError(kind="empty" | "wrong-content") unless the body is usable."""
    where = redact_url(url)
    if status == 202:
        # "Accepted" is a promise, never the result; the UN DL sends it to clients it dislikes.
        raise FetchError(
            f"{where} answered {reason(status)} instead of results, so nothing was collected this time.",
            kind="empty", status=status,
        )
    if status == 204 or not body.strip():
        raise FetchError(
            f"{where} answered {reason(status)} with an empty body, which Relay treats as a failed fetch"
            " rather than as no new records.",
            kind="empty", status=status,
        )
    if expect is None:
        return
    if expect not in EXPECTS:
        raise ValueError(f"expect must be one of {EXPECTS}, not {expect!r}")
    found = sniff(body)
    if found == expect or (expect == "html" and "html" in content_type.lower()):
        return
    described = _NAMES.get(found) or f"text starting {_preview(body)!r}"
    label = f" ({content_type})" if content_type else ""
    raise FetchError(
        f"{where} returned {described}{label} where {_NAMES[expect]} was expected,"
        " probably an error or maintenance page.",
        kind="wrong-content", status=status,
    )


def _preview(body: bytes) -> str:
    text = body.lstrip()[:40].decode("utf-8", "replace")
    return "".join(ch if ch.isprintable() else " " for ch in text).strip()
