"""Governors' sector decisions as labels (table tag_label): recorded when they are made, read for training
(`relay tag train --from-decisions`) and measurement (`relay tag eval --from-decisions`).

Two moments record a decision: a sector added or removed on the item page (apply.set_human_tag), and an
alert approved with sectors other than the item's tags (curation.approve_item calls record_alert_sectors).
The table only grows; the latest row per item and sector is the label.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay.db import transaction
from relay.models import Item, TagLabel
from relay.tagging.datasets import Example
from relay.tagging.sectors import SECTOR_IDS
from relay.tagging.train import Labelled


def record(*, session: Session, item_id: int, sector: str, present: bool, user_id: int | None,
           source: str = "queue") -> TagLabel:
    if sector not in SECTOR_IDS:
        raise ValueError(f"unknown sector {sector!r}")
    row = TagLabel(item_id=item_id, sector=sector, present=present, user_id=user_id, source=source)
    session.add(row)
    return row


def record_alert_sectors(*, session: Session, item: Item, sectors: Iterable[str], user_id: int | None) -> None:
    """The sectors an approved alert carries, against the item's active tags: each difference is a decision."""
    chosen = set(sectors)
    active = {t.sector for t in item.tags if not t.removed}
    for sector in sorted((chosen - active) | (active - chosen)):
        if sector in SECTOR_IDS:
            record(session=session, item_id=item.id, sector=sector, present=sector in chosen, user_id=user_id,
                   source="alert")


def latest(session: Session) -> dict[int, dict[str, bool]]:
    """item id → {sector: present} from each item's latest decision per sector."""
    out: dict[int, dict[str, bool]] = {}
    for row in session.scalars(select(TagLabel).order_by(TagLabel.created_at, TagLabel.id)):
        out.setdefault(row.item_id, {})[row.sector] = row.present
    return out


def item_dict(item: Item) -> dict:
    """An item in the shape the datasets use, so the taggers read a stored item as they read an example."""
    return {"title": item.title or "", "text": item.text or "", "kind": item.kind or "", "body": item.body,
            "states": item.states or "", "language": item.language, "meta": dict(item.meta or {}),
            "key_case": bool(item.key_case)}


def decision_rows(engine) -> list[Labelled]:
    """Training rows: each decided item with only its decided sectors known (the rest says nothing)."""
    with transaction(engine) as session:
        labels = latest(session)
        items = session.scalars(select(Item).where(Item.id.in_(list(labels)))) if labels else []
        return [Labelled(f"decision:{item.id}", item_dict(item), labels[item.id]) for item in items]


def decision_examples(engine) -> list[Example]:
    """Evaluation examples: every item a governor decided on, gold = its sectors after those decisions
    (its active tags, which already hold the human rows, with the latest decisions applied on top)."""
    with transaction(engine) as session:
        labels = latest(session)
        out = []
        for item in session.scalars(select(Item).where(Item.id.in_(list(labels)))) if labels else []:
            gold = {t.sector for t in item.tags if not t.removed}
            gold |= {s for s, present in labels[item.id].items() if present}
            gold -= {s for s, present in labels[item.id].items() if not present}
            out.append(Example(f"decision:{item.id}", item_dict(item), frozenset(gold), source="decisions"))
        return out
