"""Blocks → Document.text plus its structure: sections, headings, numbered paragraphs, offsets.

Every span is a [start, end) character range into Document.text, so evidence can be cut out
and highlighted later without re-parsing. The text is the blocks joined by blank lines.

Judgments (ECtHR, also ESC decisions): the Court's section titles in English and French
split the text (PROCEDURE, THE FACTS, THE LAW, FOR THESE REASONS …); numbered paragraphs run
through the body, while the operative provisions and separate opinions restart at 1 and are
kept apart. Treaty-body and monitoring documents: headings form a path (roman > letter >
number > unlabelled), and recommendations.py picks the recommendation paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from relay.documents.blocks import Block
from relay.documents.recommendations import find_recommendations

SEPARATOR = "\n\n"
_SECTIONS = [  # (key, pattern on the whole block) — English and French titles as HUDOC prints them
    ("procedure", r"(?:the )?procedure|procédure"),
    ("introduction", r"introduction"),
    ("facts", r"(?:as to )?the facts|facts|en fait|the facts and (?:the )?procedure"),
    ("framework", r"relevant (?:domestic |legal |international )?(?:law|framework)[a-z ,]*|"
                  r"(?:le )?(?:droit|cadre juridique)(?: et (?:la )?pratique)?(?: internes?)? pertinents?[a-z ,]*"),
    ("complaints", r"complaints?|griefs?"),
    ("law", r"(?:as to )?the law|en droit"),
    ("operative", r"(?:for these reasons|par ces motifs)\b.{0,160}"),
    ("opinion", r"(?:joint |partly |concurring |dissenting |separate |and |partially )*(?:concurring|dissenting|"
                r"separate) opinion.{0,200}|opinion (?:en partie |partiellement )?(?:concordante|dissidente|"
                r"séparée).{0,200}"),
    ("appendix", r"appendix|annex(?:e)?(?: [ivx\d]+)?"),
]
_SECTION_RES = [(key, re.compile(rf"^(?:[IVX]+\.\s*)?(?:{pattern})[\s:.,]*$", re.I)) for key, pattern in _SECTIONS]
_DONE = re.compile(r"^(?:done in (?:english|french)|fait en (?:français|anglais))\b", re.I)
NUMBERED = re.compile(r"^(\d{1,4})\.(?:\s+|(?=[A-ZÀ-Ýa-z«\"“‘(]))(.*)$", re.S)
_SUBITEM = re.compile(r"^(?:\((?:[a-z]{1,2}|[ivxl]{1,6}|\d{1,2})\)|[a-z]\)|[•·▪–—-])\s*")
_LABEL_LEVELS = [(re.compile(r"^[IVXL]{1,6}\.\s"), 1), (re.compile(r"^[A-Z]\.\s"), 2),
                 (re.compile(r"^\d{1,3}(?:\.\d{1,3})*\.?\s"), 3), (re.compile(r"^\(?[a-z]\)\s"), 4)]
_FOOTNOTE = re.compile(r"^(?:\*{1,3}|\[\d{1,3}\])\s*\S")
_SENTENCE_END = re.compile(r"[.;:,!?…]['\"”’»)]?$")
JUDGMENT_TYPES = frozenset({"judgment", "legal-summary"})


@dataclass
class Extracted:
    text: str
    structure: dict
    truncated: bool = False


def build(blocks: list[Block], *, doc_type: str, max_chars: int) -> Extracted:
    builder = _Builder(doc_type)
    pos, parts, truncated, source_chars = 0, [], False, 0
    for block in blocks:
        source_chars += len(block.text) + (len(SEPARATOR) if source_chars else 0)
        if truncated:
            continue
        start = pos + (len(SEPARATOR) if parts else 0)
        text = block.text
        if start + len(text) > max_chars:
            text, truncated = text[: max(0, max_chars - start)], True
            if not text:
                continue
        if parts:
            parts.append(SEPARATOR)
        parts.append(text)
        pos = start + len(text)
        builder.add(block, text, start, pos)
    full = "".join(parts)
    structure = builder.finish(full)
    structure.update(chars=len(full), source_chars=source_chars, truncated=truncated)
    return Extracted(full, structure, truncated)


def heading_path(structure: dict, entry: dict) -> list[str]:
    headings = structure.get("headings", [])
    return [headings[i]["title"] for i in entry.get("path", []) if 0 <= i < len(headings)]


def looks_like_heading(text: str, bold: bool) -> bool:
    if len(text) > 160 or _SENTENCE_END.search(text):
        return False
    letters = [c for c in text if c.isalpha()]
    caps = len(letters) >= 3 and all(c.isupper() for c in letters)
    return bold or caps


def heading_level(text: str, declared: int | None) -> int:
    """Labels rank headings (roman > letter > number > (a)) the same way in UN and CoE texts; the
    style a source declared (h2, UN "H1G") only ranks unlabelled ones, since UN documents set
    roman and letter headings in one style."""
    for pattern, level in _LABEL_LEVELS:
        if pattern.match(text):
            return level
    return declared or 5


class _Builder:
    def __init__(self, doc_type: str):
        self.doc_type = doc_type
        self.judgment = doc_type in JUDGMENT_TYPES
        self.sections: list[dict] = []
        self.headings: list[dict] = []
        self.paragraphs: list[dict] = []
        self.operative: list[dict] = []
        self.loose: list[dict] = []  # unnumbered body blocks: recommendation candidates in reports
        self.stack: list[tuple[int, int]] = []  # (level, heading index)
        self.section: str | None = None
        self.current: dict | None = None
        self.expected = 1

    def add(self, block: Block, text: str, start: int, end: int) -> None:
        if self.judgment and self._section_title(text, start):
            return
        if _FOOTNOTE.match(text):
            self.current = None  # "* Adopted by the Committee …" belongs to no paragraph
            return
        if self.current is not None and _SUBITEM.match(text):
            self.current["end"] = end
            return
        match = NUMBERED.match(text)
        heading_like = block.heading is not None or looks_like_heading(text, block.bold)
        if match and not (heading_like and int(match.group(1)) != self.expected) and not block.heading:
            self._numbered(match.group(1), start, end)
            return
        if heading_like:
            self.current = None
            self._push(text, heading_level(text, block.heading), start)
            return
        if self.current is not None:
            self.current["end"] = end  # quotations and lists inside a numbered paragraph
            return
        entry = {"n": None, "start": start, "end": end, "path": self._path(), "bold": block.bold}
        if self.section == "operative":
            self.operative.append(entry)
        elif self.section not in ("opinion", "closing"):
            self.loose.append(entry)

    def _section_title(self, text: str, start: int) -> bool:
        if _DONE.match(text):
            self._open("closing", text, start)
            return True
        for key, pattern in _SECTION_RES:
            if pattern.match(text):
                self._open(key, text, start)
                return True
        return False

    def _open(self, key: str, title: str, start: int) -> None:
        if self.sections and self.sections[-1]["end"] is None:
            self.sections[-1]["end"] = start
        self.sections.append({"key": key, "title": title, "start": start, "end": None})
        self.section, self.current = key, None
        self.headings.append({"title": title, "level": 0, "start": start})
        self.stack = [(0, len(self.headings) - 1)]

    def _numbered(self, n: str, start: int, end: int) -> None:
        entry = {"n": n, "start": start, "end": end, "path": self._path()}
        self.current = entry
        if self.section == "operative":
            self.operative.append(entry)
        elif self.section in ("opinion", "closing", "appendix"):
            pass  # opinions number their own paragraphs from 1; kept out of the main sequence
        else:
            entry["section"] = self.section
            self.paragraphs.append(entry)
            self.expected = int(n) + 1

    def _push(self, title: str, level: int, start: int) -> None:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.headings.append({"title": title, "level": level, "start": start})
        self.stack.append((level, len(self.headings) - 1))

    def _path(self) -> list[int]:
        return [index for _, index in self.stack]

    def finish(self, text: str) -> dict:
        if self.sections and self.sections[-1]["end"] is None:
            self.sections[-1]["end"] = len(text)
        sections = [s for s in self.sections if s["key"] != "closing"]
        if not self.judgment:
            sections = self._top_sections(len(text))
        structure = {"version": 1, "type": self.doc_type, "sections": sections, "headings": self.headings,
                     "paragraphs": self.paragraphs}
        if self.judgment:
            structure["operative"] = self.operative
        else:
            structure["recommendations"] = find_recommendations(
                text, self.paragraphs, self.loose, self.headings, doc_type=self.doc_type)
        return structure

    def _top_sections(self, length: int) -> list[dict]:
        """Outline of a non-judgment: the highest-level headings after the first paragraph's heading."""
        if not self.headings:
            return []
        first = self.paragraphs[0]["start"] if self.paragraphs else 0
        body = [h for h in self.headings if h["start"] >= first] or self.headings
        top = min(h["level"] for h in body)
        chosen = [h for h in self.headings if h["level"] == top]
        return [{"key": f"s{i + 1}", "title": h["title"], "start": h["start"],
                 "end": chosen[i + 1]["start"] if i + 1 < len(chosen) else length} for i, h in enumerate(chosen)]
