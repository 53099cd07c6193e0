"""Tags in the database: tag right after collection, re-tag after rule changes, and the governor's hand.

Rules and, when a model file is present, the learned model decide together (relay.tagging.combine);
their tags have origin "rule" or "model". Human tags (origin "human") are never touched by either. A human removal is a row with
origin human and removed=True, so the rule that once produced it cannot add it back.
The caller owns the commit (relay.db.transaction).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay.documents.evidence import tagging_text, tagging_texts
from relay.models import Item, Tag, utcnow
from relay.tagging import feedback, relevance
from relay.tagging.combine import tag_with_model
from relay.tagging.engine import TagDecision
from relay.tagging.model import SectorModel, get_model
from relay.tagging.sectors import SECTOR_IDS, Ruleset, get_ruleset

MACHINE_ORIGINS = ("rule", "model")  # what re-tagging may add, update and drop; "human" it never touches
BATCH = 500  # items per query when re-tagging everything: bounded memory on a large archive


@dataclass
class ItemChange:
    item_id: int
    key: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # same sector, new score or evidence
    relevant: tuple[bool, bool] | None = None  # (before, after) when it changed

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.updated or self.relevant)


@dataclass
class RetagReport:
    items: int = 0
    changes: list[ItemChange] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"re-tagged {self.items} items; {len(self.changes)} changed"]
        for c in self.changes:
            parts = [f"+{s}" for s in c.added] + [f"-{s}" for s in c.removed] + [f"~{s}" for s in c.updated]
            if c.relevant:
                parts.append(f"relevant {c.relevant[0]}→{c.relevant[1]}")
            out.append(f"  {c.key}: {' '.join(parts)}")
        return out


def tag_item(*, session: Session, item: Item, ruleset: Ruleset | None = None, sectors: Iterable[str] | None = None,
             profile: str | None = None, tags: list[Tag] | None = None) -> ItemChange:
    """Tag one item: upsert the rule tags it earns, drop the rule tags it no longer earns, leave human tags."""
    if tags is None:
        tags = list(session.scalars(select(Tag).where(Tag.item_id == item.id))) if item.id else []
    # The document's facts, operative part and recommendations are read too, as "document.<part>" fields.
    change = _apply(session, item, ruleset=ruleset or get_ruleset(), scope=set(sectors or SECTOR_IDS),
                    profile=profile or relevance.current_profile(), tags=tags,
                    passages=tagging_text(item, session=session), model=_model())
    session.flush()
    return change


def tag_items(*, session: Session, items: list[Item], tags: dict[int, list[Tag]], ruleset: Ruleset | None = None,
              sectors: Iterable[str] | None = None, profile: str | None = None) -> list[ItemChange]:
    """tag_item for a page of items whose tags the caller has read (tags: item id → its rows): their
    documents in one query and one flush at the end, instead of a query and a flush per item
    (a collector's page: tagging was most of its time)."""
    ruleset, profile, scope = ruleset or get_ruleset(), profile or relevance.current_profile(), set(sectors or SECTOR_IDS)
    passages, model = tagging_texts(items, session=session), _model()
    changes = [_apply(session, item, ruleset=ruleset, scope=scope, profile=profile, tags=tags.get(item.id, []),
                      passages=passages.get(item.id, []), model=model) for item in items]
    session.flush()
    return changes


def _model() -> SectorModel | None:
    """The model when its file is configured and readable; otherwise None: the rules tag alone."""
    try:
        return get_model()
    except Exception:  # noqa: BLE001 - settings unreadable (a bare test engine): rules only, as without a file
        return None


def _apply(session: Session, item: Item, *, ruleset: Ruleset, scope: set[str], profile: str, tags: list[Tag],
           passages, model: SectorModel | None) -> ItemChange:
    decisions = tag_with_model(item, ruleset=ruleset, model=model, passages=passages)
    wanted: dict[str, TagDecision] = {d.sector: d for d in decisions if d.sector in scope}
    existing = {t.sector: t for t in tags}
    change = ItemChange(item_id=item.id, key=item.key)
    for sector, decision in wanted.items():
        row = existing.get(sector)
        if row is not None and row.origin == "human":
            continue  # the governor decided; the rule neither re-adds nor overwrites
        evidence = decision.evidence_json()
        if row is None:
            session.add(Tag(item_id=item.id, sector=sector, origin=decision.origin, score=decision.score,
                            evidence=evidence))
            change.added.append(sector)
        elif row.score != decision.score or row.evidence != evidence or row.removed or row.origin != decision.origin:
            row.score, row.evidence, row.removed, row.origin = decision.score, evidence, False, decision.origin
            change.updated.append(sector)
    for sector, row in existing.items():
        if row.origin in MACHINE_ORIGINS and sector in scope and sector not in wanted:
            session.delete(row)
            change.removed.append(sector)
    gate = relevance.check(item, decisions, profile=profile)
    if item.relevant != gate.relevant:
        change.relevant = (bool(item.relevant), gate.relevant)
        item.relevant = gate.relevant
    item.tagged_at = utcnow()
    return change


def retag(*, session: Session, items: Iterable[Item] | None = None, sectors: Iterable[str] | None = None,
          ruleset: Ruleset | None = None) -> RetagReport:
    """Re-tag the given items (all when None) after a rule change; returns what changed per item and sector."""
    ruleset = ruleset or get_ruleset()
    profile = relevance.current_profile()
    sectors = list(sectors) if sectors else None
    report = RetagReport()
    batches = [list(items)] if items is not None else _all_items(session)
    for batch in batches:
        ids = [i.id for i in batch]
        by_item: dict[int, list[Tag]] = {i: [] for i in ids}
        for row in session.scalars(select(Tag).where(Tag.item_id.in_(ids))):
            by_item[row.item_id].append(row)
        for change in tag_items(session=session, items=batch, tags=by_item, ruleset=ruleset, sectors=sectors,
                                profile=profile):
            report.items += 1
            if change.changed:
                report.changes.append(change)
    return report


def _all_items(session: Session):
    ids = list(session.scalars(select(Item.id).order_by(Item.id)))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        yield list(session.scalars(select(Item).where(Item.id.in_(chunk)).order_by(Item.id)))


def set_human_tag(*, session: Session, item_id: int, sector: str, present: bool, user_id: int | None) -> Tag:
    """The governor adds (present=True) or removes (False) a sector; re-tagging never overrides it."""
    if sector not in SECTOR_IDS:
        raise ValueError(f"unknown sector {sector!r}")
    row = session.scalars(select(Tag).where(Tag.item_id == item_id, Tag.sector == sector)).first()
    note = {"rule": "human", "kind": "human", "field": "", "weight": None, "value": "added" if present else "removed",
            "user_id": user_id, "at": utcnow().isoformat()}
    if row is None:
        row = Tag(item_id=item_id, sector=sector, score=0.0, evidence=[note])
        session.add(row)
    else:
        row.evidence = [*(e for e in row.evidence or [] if e.get("kind") != "human"), note]
    row.origin, row.removed, row.set_by_user_id = "human", not present, user_id
    feedback.record(session=session, item_id=item_id, sector=sector, present=present, user_id=user_id)
    session.flush()
    return row
