"""What the archive shows: alerts filtered by words, sector, issuing body, year and office, newest first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from relay.archive.search import matches
from relay.archive.visibility import readable
from relay.models import Alert, AlertSector, Document, Item, Organisation

PAGE_SIZE = 25


@dataclass(frozen=True)
class ArchiveFilter:
    words: str = ""
    sector: str = ""
    body: str = ""
    year: int | None = None
    office_id: int | None = None
    page: int = 1


@dataclass
class ArchivePage:
    alerts: list[Alert]
    total: int
    page: int
    pages: int
    facets: dict[str, list] = field(default_factory=dict)


def _conditions(session: Session, wanted: ArchiveFilter, *, signed_in: bool) -> list:
    conditions = [readable(signed_in=signed_in)]
    if wanted.words.strip():
        conditions.append(matches(session, wanted.words))
    if wanted.sector:
        conditions.append(Alert.id.in_(select(AlertSector.alert_id).where(AlertSector.sector == wanted.sector)))
    if wanted.body:
        conditions.append(Alert.item_id.in_(select(Item.id).where(Item.body == wanted.body)))
    if wanted.year:
        # A range on approved_at (not a year function of it) so both databases can use its index.
        start = datetime(wanted.year, 1, 1, tzinfo=UTC)
        conditions += [Alert.approved_at >= start, Alert.approved_at < start.replace(year=wanted.year + 1)]
    if wanted.office_id:
        conditions.append(Alert.office_id == wanted.office_id)
    return conditions


def list_archive(*, session: Session, wanted: ArchiveFilter, signed_in: bool) -> ArchivePage:
    conditions = _conditions(session, wanted, signed_in=signed_in)
    total = session.scalar(select(func.count()).select_from(Alert).where(*conditions)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, wanted.page), pages)
    alerts = session.scalars(
        select(Alert).where(*conditions).options(selectinload(Alert.sectors), selectinload(Alert.item),
                                                 selectinload(Alert.office))
        .order_by(Alert.approved_at.desc(), Alert.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return ArchivePage(alerts=alerts, total=total, page=page, pages=pages,
                       facets=facets(session=session, signed_in=signed_in))


def facets(*, session: Session, signed_in: bool) -> dict[str, list]:
    """The choices the filters offer: only values some readable alert has, so no filter leads nowhere."""
    visible = select(Alert.id).where(readable(signed_in=signed_in))
    bodies = session.scalars(select(Item.body).distinct().where(
        Item.id.in_(select(Alert.item_id).where(readable(signed_in=signed_in))), Item.body.is_not(None))
        .order_by(Item.body)).all()
    offices = session.execute(select(Organisation.id, Organisation.name).where(
        Organisation.id.in_(select(Alert.office_id).where(readable(signed_in=signed_in))))
        .order_by(Organisation.name)).all()
    sectors = session.scalars(select(AlertSector.sector).distinct().where(AlertSector.alert_id.in_(visible))).all()
    times = session.scalars(select(Alert.approved_at).where(readable(signed_in=signed_in))).all()
    return {"bodies": list(bodies), "offices": [tuple(o) for o in offices], "sectors": set(sectors),
            "years": sorted({t.year for t in times}, reverse=True)}


def get_archived_alert(*, session: Session, alert_id: int) -> Alert | None:
    """The alert when it is published (withdrawn alerts leave the archive); visibility is the caller's check."""
    alert = session.get(Alert, alert_id)
    return alert if alert is not None and alert.status == "active" else None


def original_links(*, session: Session, alert: Alert) -> list[str]:
    """The source's own address and every fetched document's, once each, in that order."""
    urls = [alert.item.url or ""] + list(session.scalars(
        select(Document.url).where(Document.item_id == alert.item_id).order_by(Document.id)))
    seen: list[str] = []
    for url in urls:
        if url and url not in seen:
            seen.append(url)
    return seen
