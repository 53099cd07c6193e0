"""Untrusted text on its way into a message: headers, plain-text paragraphs and source HTML.

Titles, names and summaries come from sources and governors. Three dangers are handled here:
a line break in a header value would start a new header (header injection); markup in plain
text must stay text; HTML from a source must lose scripts, styles, attributes and any link that
is not https.
"""

from __future__ import annotations

import re
import textwrap
from html import escape
from html.parser import HTMLParser

import nh3
from markupsafe import Markup

# C0 and C1 control characters, DEL, and the Unicode line/paragraph separators: every one of
# them can end a header line in some parser, so none may reach a header.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BODY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # keeps tab and newlines
_BLANK_LINE = re.compile(r"\n[ \t]*\n+")

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "a"}
PARAGRAPH_STYLE = "margin:0 0 12px 0;"


def clean_header(value: object) -> str:
    """One header-safe line: control characters become spaces, runs of whitespace collapse."""
    return " ".join(_CONTROL.sub(" ", str(value)).split())


def clean_display_name(value: object) -> str:
    # Angle brackets and quotes in a display name could fake a second address in some clients.
    return clean_header(value).replace("<", "").replace(">", "").replace('"', "")


def clean_text(value: object) -> str:
    """Plain body text with unified line ends and no control characters other than tab and newline."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _BODY_CONTROL.sub("", text.replace("\u2028", "\n").replace("\u2029", "\n\n"))


def split_paragraphs(value: object) -> list[str]:
    return [p.strip() for p in _BLANK_LINE.split(clean_text(value).strip()) if p.strip()]


def html_paragraphs(value: object, style: str = PARAGRAPH_STYLE) -> Markup:
    """Plain text as escaped <p> elements: blank lines separate paragraphs, single newlines break."""
    parts = []
    for paragraph in split_paragraphs(value):
        lines = "<br>\n".join(escape(line.strip()) for line in paragraph.split("\n"))
        parts.append(f'<p style="{escape(style)}">{lines}</p>')
    return Markup("\n".join(parts))  # noqa: S704 - every piece above was escaped


def text_paragraphs(value: object, width: int = 72, indent: str = "") -> str:
    """Plain text wrapped for the text part; long words (URLs) are never split."""
    wrapper = textwrap.TextWrapper(
        width=width, initial_indent=indent, subsequent_indent=indent,
        break_long_words=False, break_on_hyphens=False,
    )
    return "\n\n".join(
        "\n".join(wrapper.fill(line) for line in paragraph.split("\n"))
        for paragraph in split_paragraphs(value)
    )


def _https_only(tag: str, attribute: str, value: str) -> str | None:
    # nh3's url_schemes lets relative links through; a link in an e-mail has no base, so drop them.
    if tag == "a" and attribute == "href":
        return value if value.startswith("https://") else None
    return None


def clean_html(value: str) -> Markup:
    """Source HTML reduced to a few inline tags; the only attribute left is an https href on <a>."""
    cleaned = nh3.clean(
        value, tags=ALLOWED_TAGS, attributes={"a": {"href"}}, url_schemes={"https"},
        attribute_filter=_https_only, link_rel=None, strip_comments=True,
    )
    return Markup(cleaned)  # noqa: S704 - nh3 output is safe by construction


class _TextExtractor(HTMLParser):
    """Sanitised HTML to plain text: paragraphs and list items on their own lines, links written out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.href: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in {"p", "blockquote", "ul", "ol"}:
            self.out.append("\n\n")
        elif tag == "br":
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag):
        if tag == "a" and self.href:
            self.out.append(f" <{self.href}>")
            self.href = None

    def handle_data(self, data):
        self.out.append(" ".join(data.split("\n")))


def html_to_text(value: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(str(clean_html(value)))
    extractor.close()
    return "\n\n".join(p.strip() for p in "".join(extractor.out).split("\n\n") if p.strip())
