"""Each recommendation paragraph of a concluding observation becomes its own Item.

So one recommendation can be tagged, approved and acknowledged on its own. Records go through
relay.store.items.save_record, so a re-run is "unchanged" and an edited paragraph is a recorded
change, never a second item. The alias "symbol-para:<symbol>#<n>" is the one the UHRI collector
gives the same paragraph: when UHRI got there first, its (already labelled) item is kept and
only counted as linked, so the two sources never overwrite each other in turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from feeds.records import Record
from relay.documents.structure import heading_path
from relay.models import Document, Item
from relay.store.items import find_item, save_record

TITLE_EXCERPT = 90


@dataclass
class ItemsReport:
    new: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0
    linked: int = 0  # paragraphs already present as another source's item


def symbol_of(item: Item) -> str:
    meta = item.meta or {}
    symbol = str(meta.get("symbol") or "").strip()
    return symbol or item.key.removeprefix("un:")


def recommendation_records(item: Item, doc: Document) -> list[Record]:
    structure = doc.structure or {}
    if structure.get("type") != "concluding-observations":
        return []
    symbol = symbol_of(item)
    records, seen = [], set()
    for rec in structure.get("recommendations", []):
        n = rec.get("n")
        if not n or n in seen:
            continue
        seen.add(n)
        text = doc.text[rec["start"]:rec["end"]]
        path = heading_path(structure, rec)
        excerpt = text if len(text) <= TITLE_EXCERPT else text[:TITLE_EXCERPT].rsplit(" ", 1)[0] + " …"
        records.append(Record(
            key=f"{symbol}#para{n}", kind="recommendation", title=f"{symbol} para. {n}: {excerpt}",
            url=item.url, date=item.date, date_raw=item.date_raw, date_plausible=item.date_plausible,
            body=item.body, states=tuple(s for s in (item.states or "").split(";") if s), language=item.language,
            text=text, aliases=(f"symbol-para:{symbol}#{n}",), group_key=symbol, parent_key=item.key,
            meta={"symbol": symbol, "paragraph": n, "headings": path, "document_id": doc.id,
                  "offsets": [rec["start"], rec["end"]]},
        ))
    return records


def save_recommendations(*, session: Session, item: Item, doc: Document) -> ItemsReport:
    report = ItemsReport()
    for record in recommendation_records(item, doc):
        existing = find_item(session=session, keys=[record.key, *record.aliases])
        if existing is not None and existing.key != record.key:
            report.linked += 1
            continue
        saved, outcome = save_record(session=session, record=record, source_id=item.source_id)
        if outcome == "new":
            report.new.append(saved.id)
        elif outcome == "updated":
            report.updated.append(saved.id)
        else:
            report.unchanged += 1
    return report
