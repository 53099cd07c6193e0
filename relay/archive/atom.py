"""Atom 1.0 (RFC 4287) feeds of archived alerts, built with ElementTree so every text is escaped."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from relay.archive.links import public_alert_url
from relay.archive.visibility import readable
from relay.models import Alert, AlertSector
from relay.settings import Settings

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def feed_alerts(*, session: Session, office_id: int | None, sector: str | None) -> list[Alert]:
    """The newest public alerts of an office and/or a sector. Feed readers never sign in, so a feed holds
    only alerts that are public to everyone."""
    query = select(Alert).where(readable(signed_in=False)).options(
        selectinload(Alert.sectors), selectinload(Alert.office), selectinload(Alert.item))
    if office_id is not None:
        query = query.where(Alert.office_id == office_id)
    if sector is not None:
        query = query.where(Alert.id.in_(select(AlertSector.alert_id).where(AlertSector.sector == sector)))
    return list(session.scalars(query.order_by(Alert.approved_at.desc(), Alert.id.desc()).limit(FEED_SIZE)))


def _stamp(value: datetime) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def build_feed(*, settings: Settings, title: str, self_path: str, alerts: list[Alert], language: str,
               sector_names: dict[str, str]) -> bytes:
    """The feed document. Its id is its own stable address; each entry's id and link are the alert's
    public page, so a reader that has seen an entry recognises it in every feed that carries it."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": language})
    url = settings.base_url + self_path
    _add(feed, "id", url)
    _add(feed, "title", title)
    _add(feed, "updated", _stamp(max((a.approved_at for a in alerts), default=EPOCH)))
    _add(feed, "link", rel="self", type="application/atom+xml", href=url)
    _add(feed, "link", rel="alternate", type="text/html", href=settings.base_url + "/archive")
    _add(feed, "generator", "Relay")
    for alert in alerts:
        entry = _add(feed, "entry")
        page = public_alert_url(settings, alert_id=alert.id, language=language)
        _add(entry, "id", settings.base_url + f"/archive/{alert.id}")
        _add(entry, "title", alert.text("title", language))
        _add(entry, "updated", _stamp(alert.approved_at))
        _add(entry, "published", _stamp(alert.approved_at))
        _add(entry, "link", rel="alternate", type="text/html", href=page)
        author = _add(entry, "author")
        _add(author, "name", alert.office.name)
        for sector in alert.sector_ids:
            _add(entry, "category", term=sector, label=sector_names.get(sector, sector))
        summary = "\n\n".join(p for p in (alert.text("summary", language), alert.text("meaning", language)) if p)
        _add(entry, "summary", summary or alert.text("title", language), type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
