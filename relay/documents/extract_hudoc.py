"""HTML bodies → blocks: HUDOC's Word-converted judgments, and the same shape from OHCHR's store.

HUDOC's conversion endpoint turns the Court's DOCX into HTML: every paragraph a
`<p class="s…">`, runs as `<span class="s…">`, and the formatting in a `<style>` block of hashed
class names. Headings are not `<h1>`s but bold (or capitalised) paragraphs, so bold is read
from that style block. OHCHR HTML keeps the UN Word style names (HChG, H1G, H23G …) as classes.

Scripts, styles and hidden elements never become text. Broken HTML is whatever lxml's
recovering parser makes of it; a body that yields no text is the caller's "empty".
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString
from bs4.element import Tag

from relay.documents.blocks import Block, make_block

BLOCK_TAGS = frozenset(
    {"p", "div", "li", "td", "th", "tr", "table", "blockquote", "pre", "dd", "dt", "dl", "ul", "ol", "section",
     "article", "header", "footer", "main", "h1", "h2", "h3", "h4", "h5", "h6", "center", "body", "form"}
)
DROP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "head", "button",
     "select", "input", "textarea", "canvas", "audio", "video", "map", "frame", "frameset"}
)
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# UN Word templates (Geneva): chapter, then H1G … H56G. OHCHR's HTML keeps them as class names.
_UN_STYLES = {"hchg": 1, "h1g": 2, "h23g": 3, "h4g": 4, "h56g": 5}
_CSS_RULE = re.compile(r"([^{}]+)\{([^}]*)\}")
_CSS_CLASS = re.compile(r"\.([A-Za-z0-9_-]+)")
_BOLD_DECL = re.compile(r"font-weight\s*:\s*(?:bold|bolder|[6-9]00)", re.I)
_HIDDEN_DECL = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
BOLD_SHARE = 0.9  # a paragraph with a stray plain space or footnote mark is still a bold heading


def html_blocks(raw: bytes, *, encoding: str | None = None) -> list[Block]:
    # Class lists are split here, not by BeautifulSoup: its per-attribute splitting costs a tenth of the parse.
    soup = BeautifulSoup(raw, "lxml", from_encoding=encoding, multi_valued_attributes=None)
    bold_classes, hidden_classes = _style_classes(soup)
    root = soup.body or soup
    walker = _Walker(bold_classes, hidden_classes)
    try:
        walker.walk(root, False)
        walker.flush(None)
    except RecursionError:
        # Pathologically nested markup: fall back to lines of text, losing only the bold hints.
        for tag in root.find_all(list(DROP_TAGS)):
            tag.decompose()
        lines = root.get_text("\n").splitlines()
        return [b for b in (make_block(line) for line in lines) if b]
    return walker.out


def _style_classes(soup: BeautifulSoup) -> tuple[frozenset[str], frozenset[str]]:
    bold, hidden = set(), set()
    for style in soup.find_all("style"):
        for selectors, declarations in _CSS_RULE.findall(style.get_text()):
            names = _CSS_CLASS.findall(selectors)
            if _BOLD_DECL.search(declarations):
                bold.update(names)
            if _HIDDEN_DECL.search(declarations):
                hidden.update(names)
    return frozenset(bold), frozenset(hidden)


class _Walker:
    """One pass over the tree: inline text gathers in a buffer, every block element flushes it."""

    def __init__(self, bold_classes: frozenset[str], hidden_classes: frozenset[str]):
        self.bold_classes = bold_classes
        self.hidden_classes = hidden_classes
        self.out: list[Block] = []
        self.buf: list[tuple[str, bool]] = []

    def walk(self, element: Tag, bold: bool) -> None:
        for child in element.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:  # comments, CDATA, doctypes are not text
                    self.buf.append((str(child), bold))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in DROP_TAGS or self._hidden(child):
                continue
            if name == "br":
                self.buf.append(("\n", bold))
                continue
            child_bold = bold or name in ("b", "strong") or self._bold(child)
            if name in BLOCK_TAGS:
                self.flush(None)
                self.walk(child, child_bold)
                self.flush(self._heading(child))
            else:
                self.walk(child, child_bold)

    def flush(self, heading: int | None) -> None:
        if not self.buf:
            return
        text = "".join(piece for piece, _ in self.buf)
        total = sum(len(piece.strip()) for piece, _ in self.buf)
        bolded = sum(len(piece.strip()) for piece, is_bold in self.buf if is_bold)
        self.buf = []
        block = make_block(text, bold=total > 0 and bolded >= BOLD_SHARE * total, heading=heading)
        if block:
            self.out.append(block)

    def _bold(self, tag: Tag) -> bool:
        classes = (tag.get("class") or "").split()
        if any(c in self.bold_classes for c in classes):
            return True
        style = tag.get("style")
        return bool(style and _BOLD_DECL.search(style))

    def _hidden(self, tag: Tag) -> bool:
        style = tag.get("style")
        if style and _HIDDEN_DECL.search(style):
            return True
        return tag.has_attr("hidden") or any(c in self.hidden_classes for c in (tag.get("class") or "").split())

    @staticmethod
    def _heading(tag: Tag) -> int | None:
        level = _HEADINGS.get(tag.name)
        if level:
            return level
        for name in (tag.get("class") or "").split():
            level = _UN_STYLES.get(name.lower())
            if level:
                return level
        return None
