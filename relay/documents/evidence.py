"""The document text the tagger should read beside an item's title, text and meta.

    for field, text in tagging_text(item):      # ("document.facts", "THE FACTS …"), …
        ...match the lexicons over text, record {"field": field, "positions": [[s, e], …]}

Positions are relative to the passage text; passage.start is where that text begins in
Document.text, so a match at [s, e] is Document.text[start + s : start + e]. The web reads a
passage back by its field name with field_text(), so stored evidence can be highlighted.

Fields: document.facts and document.operative for judgments (SECTORS.md §8.5: run the
lexicons over the facts), document.para.<n> for each recommendation of concluding
observations and monitoring reports (document.rec.<i> when unnumbered), document.summary for
the Court's legal summary, and document.text for a document with no recognisable structure.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from relay.documents.structure import heading_path
from relay.models import Document, Item

FIELD_CAP = 200_000  # characters per field: bounds the tagger's work on a 500-page report
UNSTRUCTURED_CAP = 60_000
LOOKUP_CHUNK = 2000  # item ids per IN list when a page is tagged at once


class Passage(tuple):
    """A (field, text) pair, as the tagger unpacks it, that also knows where it sits in the document."""

    def __new__(cls, field: str, text: str, *, start: int, end: int, heading: tuple[str, ...] = ()):
        passage = super().__new__(cls, (field, text))
        passage.start, passage.end, passage.heading = start, end, heading
        return passage

    @property
    def field(self) -> str:
        return self[0]

    @property
    def text(self) -> str:
        return self[1]


def tagging_text(item: Item, *, session: Session | None = None) -> list[Passage]:
    """The item's document passages; [] when nothing has been fetched (or the item is unsaved)."""
    session = session or object_session(item)
    if session is None or item.id is None:
        return []
    docs = {d.kind: d for d in session.scalars(
        select(Document).where(Document.item_id == item.id, Document.status == "ok"))}
    return _passages(docs)


def tagging_texts(items: list[Item], *, session: Session) -> dict[int, list[Passage]]:
    """tagging_text for many items in one query per LOOKUP_CHUNK ids (a collector's page): item id →
    its passages, [] for an item with no fetched document (most new items)."""
    ids = [item.id for item in items if item.id is not None]
    docs: dict[int, dict[str, Document]] = {item_id: {} for item_id in ids}
    for start in range(0, len(ids), LOOKUP_CHUNK):
        for doc in session.scalars(select(Document).where(Document.item_id.in_(ids[start:start + LOOKUP_CHUNK]),
                                                          Document.status == "ok")):
            docs[doc.item_id][doc.kind] = doc
    return {item_id: _passages(by_kind) if by_kind else [] for item_id, by_kind in docs.items()}


def _passages(docs: dict[str, Document]) -> list[Passage]:
    out = []
    body = docs.get("body")
    if body is not None and body.text:
        out += _body_passages(body)
    summary = docs.get("legal-summary")
    if summary is not None and summary.text:
        out.append(_passage("document.summary", summary.text, 0, len(summary.text)))
    return out


def field_text(item: Item, field: str, *, session: Session | None = None) -> str:
    """The text a stored evidence field refers to ("" when unknown), for highlighting."""
    return document_field_texts(item, session=session).get(field, "")


def document_field_texts(item: Item, *, session: Session | None = None) -> dict[str, str]:
    """Every passage's text by field name: one read for a page that highlights many evidence entries."""
    return {passage.field: passage.text for passage in tagging_text(item, session=session)}


def _body_passages(doc: Document) -> list[Passage]:
    structure, text = doc.structure or {}, doc.text
    out = []
    if structure.get("type") in ("judgment", "legal-summary"):
        for key, name in (("facts", "document.facts"), ("operative", "document.operative")):
            section = next((s for s in structure.get("sections", []) if s.get("key") == key), None)
            if section:
                out.append(_passage(name, text, section["start"], section["end"]))
    for index, rec in enumerate(structure.get("recommendations", []), start=1):
        name = f"document.para.{rec['n']}" if rec.get("n") else f"document.rec.{index}"
        if any(p.field == name for p in out):
            name = f"document.rec.{index}"
        out.append(_passage(name, text, rec["start"], rec["end"], tuple(heading_path(structure, rec))))
    if not out:
        out.append(_passage("document.text", text, 0, min(len(text), UNSTRUCTURED_CAP)))
    return out


def _passage(field: str, text: str, start: int, end: int, heading: tuple[str, ...] = ()) -> Passage:
    end = min(end, start + FIELD_CAP, len(text))
    return Passage(field, text[start:end], start=start, end=end, heading=heading)
