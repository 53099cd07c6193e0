"""Language versions of one logical item: one entry per case or document, its versions attached.

HUDOC stores the English, French and Norwegian versions of one judgment under one ECLI with
different itemids. Each version stays a row (its own link, text and document), but only the
first one stored in its group is an entry (the lead, primary_item_id NULL); every other
version points at it. So a translation arriving later joins the entry instead of becoming a new
one, and the queue and digests show one line per judgment. Versions are of the same kind:
documents that merely share an ECLI (a judgment and its legal summary) stay apart. Two documents
in the same language are not versions of each other either.

Which version is shown is a preference (settings: intake.display_languages), by default the
Norwegian translation, else English, else French.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay.models import Item

DEFAULT_DISPLAY_LANGUAGES = ("nb", "nn", "no", "en", "fr")
NORWEGIAN = ("nb", "nn", "no")


def is_version_of(item, lead) -> bool:
    """Whether item is another language version of lead's document (same group and kind, another language)."""
    return (lead is not item and bool(item.group_key) and lead.group_key == item.group_key
            and lead.kind == item.kind and bool(item.language) and bool(lead.language)
            and lead.language != item.language)


def lead_of(item, candidates: Iterable) -> object | None:
    """The entry item joins: the first (candidates come oldest first) it is a version of."""
    return next((c for c in candidates if is_version_of(item, c)), None)


def versions(session: Session, lead: Item) -> list[Item]:
    """The lead and every version attached to it, oldest first."""
    attached = session.scalars(select(Item).where(Item.primary_item_id == lead.id).order_by(Item.id)).all()
    return [lead, *attached]


def versions_by_lead(session: Session, leads: Sequence[Item]) -> dict[int, list[Item]]:
    """versions() for many entries in one query (the queue page)."""
    found: dict[int, list[Item]] = {lead.id: [lead] for lead in leads}
    ids = list(found)
    for start in range(0, len(ids), 1000):
        rows = session.scalars(select(Item).where(Item.primary_item_id.in_(ids[start:start + 1000])).order_by(Item.id))
        for row in rows:
            found[row.primary_item_id].append(row)
    return found


def preferred(items: Sequence[Item], order: Sequence[str] = DEFAULT_DISPLAY_LANGUAGES) -> Item:
    """The version to show: the first language in the preference order, else the entry itself."""
    rank = {language: index for index, language in enumerate(order)}
    return min(items, key=lambda i: (rank.get(i.language or "", len(rank)), items.index(i)))


def display_languages() -> tuple[str, ...]:
    from relay.settings import get_settings

    configured = getattr(get_settings(), "intake", None)
    return tuple(getattr(configured, "display_languages", None) or DEFAULT_DISPLAY_LANGUAGES)


def entry_of(session: Session, item: Item) -> Item:
    """The queue entry an item belongs to: its lead for a language version, its document for a paragraph
    (relay/store/health.py), else the item itself."""
    from relay.store.health import PARAGRAPH_KINDS

    if item.primary_item_id is not None:
        return session.get(Item, item.primary_item_id) or item
    if item.kind in PARAGRAPH_KINDS and item.parent_item_id is not None:
        return session.get(Item, item.parent_item_id) or item
    return item


def translation_since(session: Session, lead: Item, since) -> Item | None:
    """A Norwegian version attached after `since` (an alert's approval): offered to the governor as an update."""
    if since is None:
        return None
    return session.scalars(select(Item).where(Item.primary_item_id == lead.id, Item.language.in_(NORWEGIAN),
                                              Item.first_seen_at > since).order_by(Item.id)).first()


def display_url(session: Session, item: Item) -> str | None:
    """The link to the entry in its preferred language version (a digest's "read the source")."""
    if item.primary_item_id is None and session is not None:
        shown = preferred(versions(session, item), display_languages())
        if shown.url:
            return shown.url
    return item.url
