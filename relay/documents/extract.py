"""Bytes → Extracted: sniff the real format, run its extractor, build the structure.

The format is decided from the first bytes, not from the URL or Content-Type: HUDOC and the
OHCHR store both serve DOCX, HTML and error pages under one kind of address.
"""

from __future__ import annotations

import re

from relay.documents.blocks import Block, ExtractError, sniff_format, text_blocks
from relay.documents.docx import docx_blocks
from relay.documents.extract_hudoc import html_blocks
from relay.documents.structure import Extracted, build

__all__ = ["ExtractError", "Extracted", "extract", "extract_blocks", "doc_type_for", "error_page_reason"]

ERROR_PAGE_CHARS = 3_000
_ERROR_WORDS = re.compile(
    r"\b(?:not found|error \d{3}|\d{3} error|server error|an error occurred|maintenance|service unavailable|"
    r"access denied|just a moment|attention required|document (?:is )?not available|no document)\b", re.I)


def extract(body: bytes, *, doc_type: str, max_chars: int, encoding: str | None = None) -> tuple[str, Extracted]:
    """(format, extracted). Raises ExtractError with a reason fit for Document.error."""
    fmt, blocks = extract_blocks(body, encoding=encoding)
    return fmt, build(blocks, doc_type=doc_type, max_chars=max_chars)


def extract_blocks(body: bytes, *, encoding: str | None = None) -> tuple[str, list[Block]]:
    fmt = sniff_format(body)
    if fmt == "docx":
        blocks = docx_blocks(body)
    elif fmt == "pdf":
        from relay.documents.pdf import pdf_blocks

        blocks = pdf_blocks(body)
    elif fmt == "html":
        blocks = html_blocks(body, encoding=encoding)
    else:
        blocks = text_blocks(body)
    return fmt, blocks


def error_page_reason(extracted: Extracted) -> str | None:
    """Why a short text is an error or challenge page rather than a document, or None.

    Sources answer 200 with "document not found" or a firewall page; real documents are longer
    and have numbered paragraphs or headings, so only short, paragraph-less texts are suspects.
    """
    if extracted.structure.get("paragraphs") or len(extracted.text) > ERROR_PAGE_CHARS:
        return None
    match = _ERROR_WORDS.search(extracted.text)
    return f"an error page ({match.group(0)!r})" if match else None


def doc_type_for(kind: str | None, body: str | None, document_kind: str = "body") -> str:
    """How to read an item's text: judgment | legal-summary | concluding-observations | report."""
    if document_kind == "legal-summary":
        return "legal-summary"
    if kind in ("judgment", "decision") or body in ("ECHR", "ESC"):
        return "judgment"
    if kind == "concluding-observations":
        return "concluding-observations"
    return "report"
