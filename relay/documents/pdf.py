"""PDF → blocks, the last resort: only when a source offers nothing else.

pypdf is optional (not installed by default); without it a PDF-only document fails with a
reason that says so, rather than a guess at its text.
"""

from __future__ import annotations

import io

from relay.documents.blocks import Block, ExtractError, make_block

MAX_PAGES = 1_000


def pdf_blocks(raw: bytes) -> list[Block]:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:
        raise ExtractError("only a PDF is available and no PDF extractor is installed (pip install pypdf)") from None
    try:
        reader = PdfReader(io.BytesIO(raw))
        pages = reader.pages[:MAX_PAGES]
        text = "\n".join(page.extract_text() or "" for page in pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ExtractError(f"the PDF could not be read ({exc})") from None
    out = []
    # PDF text has no paragraphs, only lines; a line ending a sentence is taken to end one.
    buffer: list[str] = []
    for line in text.splitlines():
        buffer.append(line)
        if line.rstrip().endswith((".", ":", ";")) or not line.strip():
            block = make_block(" ".join(buffer))
            if block:
                out.append(block)
            buffer = []
    tail = make_block(" ".join(buffer))
    return out + ([tail] if tail else [])
