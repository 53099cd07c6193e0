"""The common currency of every extractor: a document as an ordered list of text blocks.

HTML, DOCX and PDF extractors each turn their format into blocks; structure.py reads blocks and
never the format. A block is one paragraph-like unit with the few layout facts structure needs:
whether it was set in bold, and whether the source marked it as a heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPACE = re.compile(r"\s+")
# Zero-width characters and controls Word leaves in converted text; they break word matching.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ExtractError(Exception):
    """The body cannot be read as the format it claims; the message is stored on Document.error."""


@dataclass(frozen=True, slots=True)
class Block:
    text: str
    bold: bool = False  # (nearly) all of the text is bold
    heading: int | None = None  # a level the source declared (h1-h6, Word "Heading n"), else None
    label: str = ""  # a list number Word generated (auto-numbering), not part of the text


def clean(text: str) -> str:
    """One line of plain text: invisible characters gone, every whitespace run one space."""
    return _SPACE.sub(" ", _INVISIBLE.sub("", text)).strip()


def make_block(text: str, *, bold: bool = False, heading: int | None = None, label: str = "") -> Block | None:
    text = clean(text)
    if label:
        text = clean(f"{label} {text}")
    return Block(text, bold, heading, label) if text else None


def sniff_format(body: bytes) -> str:
    """"docx", "pdf", "html" or "text" from the first bytes: servers mislabel content types."""
    head = body[:1024].lstrip()
    if body[:4] == b"PK\x03\x04":
        return "docx"
    if head.startswith(b"%PDF"):
        return "pdf"
    lowered = head.lower()
    if lowered.startswith((b"<", b"\xef\xbb\xbf<")) or b"<html" in lowered or b"<p" in lowered:
        return "html"
    return "text"


def text_blocks(body: bytes) -> list[Block]:
    """Plain text: one block per non-empty line group."""
    text = body.decode("utf-8", "replace")
    out = []
    for chunk in re.split(r"\n\s*\n|\r\n\s*\r\n", text):
        block = make_block(chunk)
        if block:
            out.append(block)
    return out
