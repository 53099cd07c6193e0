"""The OHCHR treaty-body document store: from a symbol's listing page to one English file.

tbinternet's Download.aspx?symbolno=<symbol> lists every language version as links to
docstore.ohchr.org/SelfServices/FilesHandler.ashx?enc=…; the links differ only in their title,
icon or the table row they sit in ("English html", "English docx", "English pdf"). English
HTML is preferred (it keeps Word's paragraph styles), then DOCX, and PDF only as a last resort.
When the listing fails, the UN Digital Library's file list (meta.files) is the fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from bs4 import BeautifulSoup

from relay.documents.blocks import ExtractError

FORMAT_ORDER = ("html", "docx", "pdf")
_FORMAT_WORDS = [("html", re.compile(r"\bhtml?\b|\.html?\b", re.I)),
                 ("docx", re.compile(r"\bdocx?\b|\.docx?\b|\bword\b", re.I)),
                 ("pdf", re.compile(r"\bpdf\b|\.pdf\b", re.I))]
_ENGLISH = re.compile(r"\benglish\b|\banglais\b|(?:^|[\s_(-])en(?:$|[\s_).-])", re.I)
_OTHER_LANGUAGE = re.compile(r"\b(?:arabic|chinese|french|russian|spanish|français|español)\b", re.I)


@dataclass(frozen=True)
class FileLink:
    url: str
    format: str  # html | docx | pdf
    label: str


def pick_file(page: bytes, *, base_url: str) -> FileLink:
    """The best English file on a Download.aspx page; ExtractError when there is none."""
    soup = BeautifulSoup(page, "lxml")
    links = []
    for anchor in soup.find_all("a", href=True):
        href = anchor["href"].strip()
        if href.lower().startswith(("javascript:", "mailto:", "#")):
            continue
        label = _label(anchor)
        fmt = _format(label + " " + href)
        if fmt is None or not _english(anchor, label):
            continue
        links.append(FileLink(urljoin(base_url, href), fmt, label))
    if not links:
        raise ExtractError("the OHCHR listing page offers no English html, docx or pdf file for this symbol")
    return min(links, key=lambda link: FORMAT_ORDER.index(link.format))


def pick_undl_file(files: list) -> FileLink | None:
    """An English file from the UN Digital Library record (meta.files), by the same preference."""
    links = []
    for entry in files or []:
        if not isinstance(entry, dict) or not entry.get("url"):
            continue
        language = (entry.get("language") or "").lower()
        label = str(entry.get("label") or "")
        if language not in ("en", "") or (not language and not _ENGLISH.search(label)):
            continue
        fmt = _format(label + " " + entry["url"])
        if fmt:
            links.append(FileLink(entry["url"], fmt, label))
    return min(links, key=lambda link: FORMAT_ORDER.index(link.format)) if links else None


def _label(anchor) -> str:
    bits = [anchor.get_text(" "), anchor.get("title", ""), anchor.get("aria-label", "")]
    for img in anchor.find_all("img"):
        bits += [img.get("title", ""), img.get("alt", ""), img.get("src", "")]
    return " ".join(b for b in bits if b).strip()


def _format(text: str) -> str | None:
    for fmt, pattern in _FORMAT_WORDS:
        if pattern.search(text):
            return fmt
    return None


def _english(anchor, label: str) -> bool:
    if _ENGLISH.search(label):
        return True
    if _OTHER_LANGUAGE.search(label):
        return False
    row = anchor.find_parent("tr")  # listings put the language in the row's first cell
    return bool(row and _ENGLISH.search(row.get_text(" ")) and not _OTHER_LANGUAGE.search(row.get_text(" ")))
