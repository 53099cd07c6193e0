"""The context for templates/web/_document.html: passages with their evidence marked.

Nothing here produces HTML. Each passage is a list of segments {text, mark, gap}; the partial
wraps marked segments in <mark> and Jinja's autoescape escapes every segment, so text from a
source can never become markup.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay.documents.evidence import Passage, tagging_text
from relay.documents.store import documents_for
from relay.documents.targets import HUDOC, hudoc_page_url
from relay.i18n import translator
from relay.models import Item

WINDOW = 240  # characters shown either side of a mark in a long passage
WHOLE = 1_200  # passages up to this length are shown whole
DEFAULT_PASSAGES = 3
SUMMARY_CHARS = 8_000
TEXT_LANGUAGES = frozenset({"en", "fr", "nb", "nn", "no", "sv", "de", "es", "ru"})  # marked as lang= on passages
LABEL_KEYS = ("title", "summary", "translation", "pending", "failed", "truncated", "facts", "operative", "para",
              "rec", "text", "source", "open_document", "status")


def document_context(*, session: Session, item: Item, evidence: list[dict] | None = None, lang: str = "nb",
                     limit: int = 6) -> dict:
    """Everything the partial shows; `evidence` defaults to the item's live tags' evidence entries."""
    t = translator(lang)
    labels = {key: t(f"queue.document.{key}") for key in LABEL_KEYS}
    if evidence is None:
        evidence = [e for tag in item.tags if not tag.removed for e in (tag.evidence or []) if isinstance(e, dict)]
    docs = documents_for(session=session, item_id=item.id)
    body = docs.get("body")
    passages = tagging_text(item, session=session)
    shown = [_show(p, _marks(p, evidence), labels) for p in passages if p.field != "document.summary"]
    marked = [p for p in shown if p["marked"]]
    operative = [p for p in shown if p["field"] == "document.operative" and not p["marked"]]
    # The operative part is what the Court decided: shown first whether or not a rule fired on it.
    chosen = operative + marked if marked else sorted(
        shown, key=lambda p: p["field"] != "document.operative")[:DEFAULT_PASSAGES]
    return {
        "labels": labels,
        "status": body.status if body else "none",
        "status_text": _status_text(body, t),
        "error": body.error if body is not None and body.status != "ok" else None,
        "truncated": bool(body is not None and (body.structure or {}).get("truncated")),
        "fetched_at": body.fetched_at if body else None,
        "url": _document_url(item, body),
        "language": item.language if item.language in TEXT_LANGUAGES else None,
        "passages": chosen[:limit],
        "summary": _summary(docs.get("legal-summary"), labels),
        "translation": _translation(session, item),
    }


def _status_text(doc, t) -> str:
    """One sentence on how far Relay got with the text: fetched (and what it found), waiting, or failed."""
    if doc is None:
        return ""
    if doc.status == "ok":
        structure = doc.structure or {}
        return t("queue.document.status_ok", date=doc.fetched_at.date().isoformat() if doc.fetched_at else "",
                 format=(doc.format or "").upper(), paragraphs=len(structure.get("paragraphs", [])),
                 recommendations=len(structure.get("recommendations", [])))
    if doc.status == "failed":
        return t("queue.document.status_failed", error=doc.error or "") if doc.error else t("queue.document.failed")
    if doc.status == "empty" and doc.next_attempt_at is not None:
        return t("queue.document.status_retry", date=doc.next_attempt_at.date().isoformat())
    return t("queue.document.pending")


def _document_url(item: Item, doc) -> str:
    """The whole document for a reader: the file Relay read (OHCHR), HUDOC's page, else the item's link."""
    structure = (doc.structure or {}) if doc is not None else {}
    itemid = (item.meta or {}).get("itemid")
    if structure.get("file_url"):
        url = structure["file_url"]
    elif item.body in HUDOC and itemid:
        url = hudoc_page_url(item.body, str(itemid))
    else:
        url = item.url or ""
    return url if url.startswith(("https://", "http://")) else ""


def _marks(passage: Passage, evidence: list[dict]) -> list[tuple[int, int]]:
    spans = []
    for entry in evidence:
        if entry.get("field") != passage.field:
            continue
        raw = entry.get("positions") or entry.get("spans") or [
            (m.get("start"), m.get("end")) for m in entry.get("matches", []) if isinstance(m, dict)]
        found = [(s, e) for s, e in (tuple(p)[:2] for p in raw if len(p) >= 2)
                 if isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(passage.text)]
        if not found:  # words without positions: find them
            for word in entry.get("words") or []:
                if isinstance(word, str) and word.strip():
                    found += [m.span() for m in re.finditer(re.escape(word), passage.text, re.I)]
        spans += found
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def segments(text: str, spans: list[tuple[int, int]]) -> list[dict]:
    """Plain and marked pieces of text; long texts keep only a window around each mark."""
    if not spans:
        cut = len(text) > WHOLE
        return [{"text": text[:WHOLE].rsplit(" ", 1)[0] if cut else text, "mark": False, "gap": False}] + \
            ([{"text": " … ", "mark": False, "gap": True}] if cut else [])
    out, cursor = [], 0
    whole = len(text) <= WHOLE
    for start, end in spans:
        lead = text[cursor:start]
        if not whole and len(lead) > 2 * WINDOW:
            if cursor:
                out.append({"text": lead[:WINDOW], "mark": False, "gap": False})
            out.append({"text": " … ", "mark": False, "gap": True})
            lead = lead[-WINDOW:]
        out.append({"text": lead, "mark": False, "gap": False})
        out.append({"text": text[start:end], "mark": True, "gap": False})
        cursor = end
    tail = text[cursor:]
    if not whole and len(tail) > WINDOW:
        out += [{"text": tail[:WINDOW], "mark": False, "gap": False}, {"text": " … ", "mark": False, "gap": True}]
    else:
        out.append({"text": tail, "mark": False, "gap": False})
    return [s for s in out if s["text"]]


def _show(passage: Passage, spans: list[tuple[int, int]], labels: dict) -> dict:
    kind = passage.field.split(".")[1] if "." in passage.field else "text"
    number = passage.field.split(".")[2] if kind in ("para", "rec") else None
    label = f"{labels[kind]} {number}" if number else labels.get(kind, labels["text"])
    return {"field": passage.field, "label": label, "heading": " › ".join(passage.heading), "marked": bool(spans),
            "segments": segments(passage.text, spans)}


def _summary(doc, labels: dict) -> dict | None:
    if doc is None or doc.status != "ok" or not doc.text:
        return None
    structure = doc.structure or {}
    itemid = structure.get("summary_itemid")
    return {"title": structure.get("summary_title") or labels["summary"], "text": doc.text[:SUMMARY_CHARS],
            "cut": len(doc.text) > SUMMARY_CHARS, "url": hudoc_page_url("ECHR", itemid) if itemid else None}


def _translation(session: Session, item: Item) -> dict | None:
    if not item.group_key:
        return None
    other = session.scalars(select(Item).where(
        Item.group_key == item.group_key, Item.id != item.id, Item.language.in_(["nb", "no"])).order_by(Item.id)).first()
    if other is None:
        return None
    itemid = (other.meta or {}).get("itemid")
    url = hudoc_page_url(other.body, itemid) if itemid and other.body in HUDOC else (other.url or "")
    if url.startswith("http://"):
        url = "https://" + url[len("http://"):]  # feeds give http:// links; pages link https (SOURCES.md §1)
    return {"title": other.title, "url": url, "language": other.language}
