"""Plain text from source strings: HUDOC titles and descriptions, ESC/EXEC `contentbody` HTML,
MARC subfields, UHRI paragraphs, feed summaries.

Every Record text field is plain text (feeds/records.py): markup is removed here, once, and the
web pages and e-mails escape what they print. Script and style blocks lose their content as
well as their tags, since their content is code, not text for a reader.
"""

from __future__ import annotations

import html
import re

# Content that is never text for a reader: dropped with its tags.
_HIDDEN = re.compile(r"<(script|style|noscript|template|head)\b[^>]*>.*?(?:</\1\s*>|\Z)", re.I | re.S)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)|<!\[CDATA\[|\]\]>|<\?.*?\?>|<!DOCTYPE[^>]*>", re.I | re.S)
# Tags that end a block become a space so words on either side stay apart; inline tags
# (<b>, <span>, <a>) vanish without one, so "Ab<i>c</i>" stays one word.
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|li|ul|ol|tr|td|th|table|h[1-6]|section|article|blockquote|dd|dt|hr|title)\b[^>]*>", re.I
)
# Only something that looks like a tag is removed: "a < b" and "x <= y" in a title are text.
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")


def clean_text(value: object) -> str:
    """Tags stripped, entities unescaped, whitespace (newlines, NBSP, tabs) collapsed to single spaces."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if "<" in text:
        text = _HIDDEN.sub(" ", text)
        text = _COMMENT.sub(" ", text)
        text = _BLOCK_TAG.sub(" ", text)
        text = _TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
        # Markup that arrived escaped ("&lt;script&gt;…") is markup too once unescaped.
        if "<" in text and _TAG.search(text):
            text = _TAG.sub("", _BLOCK_TAG.sub(" ", _HIDDEN.sub(" ", text)))
    text = _CONTROL.sub("", text)
    # str.split() without arguments splits on every Unicode space, NBSP included.
    return " ".join(text.split())
