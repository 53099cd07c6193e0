"""What the sources page and `relay sources` show beside a source's health: the records its last run
rejected (with their reasons) or left for the next run, and its entries no sector rule placed."""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from relay.models import Item, SourceRun, Tag

Paragraph = aliased(Item, name="paragraph")  # a recommendation paragraph of a document entry
UNSECTORED = "none"  # the queue's sector filter for entries no sector places
PARAGRAPH_KINDS = ("recommendation", "observation")  # UHRI paragraphs: shown under their document


def entry_conditions():
    """What makes an item a queue entry: relevant, not another language version of an entry, and not a
    paragraph of a document that is stored (a paragraph whose document is missing stays its own entry)."""
    return (Item.relevant.is_(True), Item.primary_item_id.is_(None),
            ~(Item.kind.in_(PARAGRAPH_KINDS) & Item.parent_item_id.is_not(None)))


def in_sector(sector: str):
    """An entry tagged with the sector, itself or through one of its paragraphs."""
    own = select(Tag.id).where(Tag.item_id == Item.id, Tag.removed.is_(False), Tag.sector == sector)
    through = (select(Tag.id).join(Paragraph, Paragraph.id == Tag.item_id)
               .where(Paragraph.parent_item_id == Item.id, Tag.removed.is_(False), Tag.sector == sector))
    return exists(own) | exists(through)


def last_runs(session: Session) -> dict[int, SourceRun]:
    """Each source's latest run, in one query."""
    newest = select(SourceRun.source_id, func.max(SourceRun.id).label("id")).group_by(SourceRun.source_id).subquery()
    runs = session.scalars(select(SourceRun).join(newest, SourceRun.id == newest.c.id))
    return {run.source_id: run for run in runs}


def unsectored(session: Session) -> dict[int, int]:
    """Per source: relevant entries with no active sector tag (shown in the queue as "Uten sektor – vurder")."""
    rows = session.execute(
        select(Item.source_id, func.count()).where(*without_sector()).group_by(Item.source_id))
    return {source_id: count for source_id, count in rows if source_id is not None}


def without_sector():
    """The conditions for a relevant entry that no sector tag places (nor any of its paragraphs)."""
    active = select(Tag.id).where(Tag.item_id == Item.id, Tag.removed.is_(False))
    return (*entry_conditions(), ~exists(active),
            ~exists(select(Tag.id).join(Paragraph, Paragraph.id == Tag.item_id)
                    .where(Paragraph.parent_item_id == Item.id, Tag.removed.is_(False))))

