"""An office's decisions on items: approve (creating an alert for its municipalities) or reject.

The web queue and the CLI call these functions; each decision is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay import alert_texts, audit
from relay.alert_titles import is_source_title
from relay.models import Alert, AlertSector, AlertTarget, Item, Organisation, Review, Tag, User, utcnow
from relay.standards import alert_standards
from relay.store.versions import entry_of
from relay.tagging.feedback import record_alert_sectors


class CurationError(Exception):
    """A decision that cannot be taken; the message is shown to the governor."""


@dataclass
class AlertDraft:
    title_nb: str = ""  # the Swedish profile writes its one text in the _nb fields
    summary_nb: str = ""
    meaning_nb: str = ""
    title_nn: str = ""
    summary_nn: str = ""
    meaning_nn: str = ""
    nynorsk_origin: str = "manual"  # manual | apertium (drafted in the form) | machine (filled at approval)
    bokmal_origin: str = "manual"  # manual | machine
    priority: str = "normal"  # urgent | normal
    ack_deadline: date | None = None
    sectors: list[str] = field(default_factory=list)  # empty: the item's active tags
    municipality_ids: list[int] | None = None  # None: every municipality in the office's region


def validate(draft: AlertDraft, known_sectors: set[str]) -> dict[str, str]:
    """Field → message, for the form to show next to what the user typed."""
    errors = {}
    if not draft.title_nb.strip() and not draft.title_nn.strip():
        errors["title_nb"] = "required"  # one standard is enough: approval translates into the other
    if draft.priority not in ("urgent", "normal"):
        errors["priority"] = "invalid"
    unknown = [s for s in draft.sectors if s not in known_sectors]
    if unknown:
        errors["sectors"] = "unknown: " + ", ".join(unknown)
    if draft.ack_deadline and draft.ack_deadline < date.today():
        errors["ack_deadline"] = "in_past"
    return errors


def region_municipalities(*, session: Session, office_id: int) -> list[Organisation]:
    return list(session.scalars(
        select(Organisation).where(Organisation.office_id == office_id, Organisation.kind.in_(["municipality", "kommun"]))
        .order_by(Organisation.code)
    ))


def approve_item(*, session: Session, item_id: int, office_id: int, draft: AlertDraft, actor: User | str) -> Alert:
    """Create the office's alert for an item. Approving twice returns the existing alert unchanged.

    Every standard the targets read gets its texts (relay.alert_texts: a machine translation where
    the governor wrote none, flagged as unread); raises alert_texts.StandardMissing when none can be
    made, and CurationError when a title is the source's own (English) title."""
    item = session.get(Item, item_id)
    if item is None:
        raise CurationError("no such item")
    item = entry_of(session, item)  # issue 20: a language version or paragraph is approved as its entry
    item_id = item.id
    existing = session.scalars(select(Alert).where(Alert.item_id == item_id, Alert.office_id == office_id)).first()
    if existing is not None:
        return existing
    sectors = draft.sectors or [t.sector for t in item.tags if not t.removed]
    if not sectors:
        raise CurationError("an alert needs at least one sector")
    region = {m.id for m in region_municipalities(session=session, office_id=office_id)}
    targets = region if draft.municipality_ids is None else set(draft.municipality_ids)
    if not targets or not targets <= region:
        raise CurationError("target municipalities must be in the office's region")
    if not draft.title_nb.strip() and not draft.title_nn.strip():
        raise CurationError("an alert needs a title")
    office = session.get(Organisation, office_id)
    if office is not None and office.profile == "se" and not draft.title_nb.strip():
        raise CurationError("a Swedish alert needs its title")  # its one text lives in the _nb fields
    if any(is_source_title(title, item) for title in (draft.title_nb, draft.title_nn) if title.strip()) \
            and item.language not in ("nor", "nob", "nno", "no", "nb", "nn", "swe", "sv"):
        raise CurationError("the title is the source's own title; write it in Norwegian")
    draft = alert_texts.complete(draft, alert_standards(session=session, municipality_ids=targets))
    now = utcnow()
    alert = Alert(
        item_id=item_id, office_id=office_id, title_nb=draft.title_nb.strip(), title_nn=draft.title_nn.strip(),
        summary_nb=draft.summary_nb.strip(), summary_nn=draft.summary_nn.strip(), meaning_nb=draft.meaning_nb.strip(),
        meaning_nn=draft.meaning_nn.strip(), nynorsk_origin=draft.nynorsk_origin, bokmal_origin=draft.bokmal_origin,
        priority=draft.priority,
        ack_deadline=draft.ack_deadline, approved_at=now,
        approved_by_user_id=actor.id if isinstance(actor, User) else None,
    )
    alert.sectors = [AlertSector(sector=s) for s in dict.fromkeys(sectors)]
    record_alert_sectors(session=session, item=item, sectors=sectors,  # issue 22: decisions become labels
                         user_id=actor.id if isinstance(actor, User) else None)
    alert.targets = [AlertTarget(municipality_id=m) for m in sorted(targets)]
    session.add(alert)
    _set_review(session, item_id, office_id, "approved", actor, now)
    session.flush()
    audit.record(session=session, actor=actor, action="alert.approve", entity="alert", entity_id=alert.id,
                 office_id=office_id, after=alert_snapshot(alert))
    return alert


def reject_item(*, session: Session, item_id: int, office_id: int, actor: User | str, note: str = "") -> Review:
    if session.get(Item, item_id) is None:
        raise CurationError("no such item")
    if session.scalars(select(Alert).where(Alert.item_id == item_id, Alert.office_id == office_id)).first():
        raise CurationError("the item is already approved")
    review = _set_review(session, item_id, office_id, "rejected", actor, utcnow(), note)
    audit.record(session=session, actor=actor, action="item.reject", entity="item", entity_id=item_id,
                 office_id=office_id, after={"note": note})
    return review


def update_alert_texts(*, session: Session, alert: Alert, changes: dict[str, str], actor: User | str,
                       reviewed: str = "") -> Alert:
    """Save edited texts; `reviewed` ("nn", "nb", "both") marks machine texts read though unchanged."""
    editable = {"title_nb", "title_nn", "summary_nb", "summary_nn", "meaning_nb", "meaning_nn"}
    before = alert_snapshot(alert)
    for name, value in changes.items():
        if name not in editable:
            raise CurationError(f"{name} cannot be edited")
        setattr(alert, name, value.strip())
    # A governor who saves a standard's texts has read them: the machine flag goes.
    if any(n.endswith("_nn") for n in changes) or reviewed in ("nn", "both"):
        alert.nynorsk_origin = "manual"
    if (any(n.endswith("_nb") for n in changes) or reviewed in ("nb", "both")) and alert.bokmal_origin == "machine":
        alert.bokmal_origin = "manual"
    audit.record(session=session, actor=actor, action="alert.edit", entity="alert", entity_id=alert.id,
                 office_id=alert.office_id, before=before, after=alert_snapshot(alert))
    return alert


def alert_snapshot(alert: Alert) -> dict:
    return {
        "title_nb": alert.title_nb, "title_nn": alert.title_nn, "summary_nb": alert.summary_nb,
        "summary_nn": alert.summary_nn, "meaning_nb": alert.meaning_nb, "meaning_nn": alert.meaning_nn,
        "nynorsk_origin": alert.nynorsk_origin, "bokmal_origin": alert.bokmal_origin,
        "priority": alert.priority, "ack_deadline": alert.ack_deadline.isoformat() if alert.ack_deadline else None,
        "sectors": [s.sector for s in alert.sectors], "targets": len(alert.targets),
    }


def _set_review(session, item_id, office_id, state, actor, now, note="") -> Review:
    review = session.scalars(select(Review).where(Review.item_id == item_id, Review.office_id == office_id)).first()
    if review is None:
        review = Review(item_id=item_id, office_id=office_id)
        session.add(review)
    review.state = state
    review.decided_at = now
    review.decided_by_user_id = actor.id if isinstance(actor, User) else None
    review.note = note or None
    return review


def active_tags(item: Item) -> list[Tag]:
    return [t for t in item.tags if not t.removed]
