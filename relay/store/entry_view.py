"""What the queue's item page shows of an entry beyond the item itself: its language versions, a Norwegian
translation that arrived after the office's alert, and a document's recommendation paragraphs by sector."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay.models import AlertParagraph, Item
from relay.store.health import PARAGRAPH_KINDS
from relay.store.versions import translation_since, versions


def entry_context(session: Session, item: Item, alert) -> dict:
    return {
        "versions": {item.id: versions(session, item)},
        "new_translation": translation_since(session, item, alert.approved_at) if alert else None,
        "paragraph_groups": paragraphs_by_sector(session, item),
        "chosen_paragraphs": set(session.scalars(select(AlertParagraph.item_id).where(
            AlertParagraph.alert_id == alert.id))) if alert else set(),
    }


def paragraphs(session: Session, document: Item) -> list[Item]:
    """The document's recommendation paragraphs, in paragraph order."""
    rows = session.scalars(select(Item).where(Item.parent_item_id == document.id, Item.kind.in_(PARAGRAPH_KINDS))).all()
    return sorted(rows, key=lambda p: (_number(p.meta.get("paragraph") if p.meta else None), p.id))


def paragraphs_by_sector(session: Session, document: Item) -> list[tuple[str | None, list[Item]]]:
    """[(sector or None, paragraphs)]: each paragraph under each of its active sectors; those with none last."""
    groups: dict[str | None, list[Item]] = {}
    for paragraph in paragraphs(session, document):
        sectors = sorted({t.sector for t in paragraph.tags if not t.removed}) or [None]
        for sector in sectors:
            groups.setdefault(sector, []).append(paragraph)
    return sorted(groups.items(), key=lambda pair: (pair[0] is None, pair[0] or ""))


def _number(value) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in str(value).split("."))
    except ValueError:
        return (10**9,)
