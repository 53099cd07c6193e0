"""The recommendation paragraphs an office sends with its alert on a document.

A treaty body's concluding observations are one queue entry (relay/store/health.py) with their
paragraphs under it, grouped by sector on the item page; the governor approves the document with
the paragraphs chosen, and the digest shows the document once, those paragraphs beneath it.
"""

from __future__ import annotations

from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from relay.models import Alert, AlertParagraph, Item
from relay.store.health import PARAGRAPH_KINDS

EXCERPT = 600  # characters of a paragraph shown in a digest; the document link has the rest


def choose_paragraphs(session: Session, alert: Alert, chosen: list[str]) -> list[int]:
    """Record the chosen paragraphs of the alert's document; ids that are not its paragraphs are ignored."""
    wanted = {int(v) for v in chosen if str(v).isdigit() and len(str(v)) < 12}
    if not wanted:
        return []
    own = set(session.scalars(select(Item.id).where(Item.parent_item_id == alert.item_id,
                                                    Item.kind.in_(PARAGRAPH_KINDS), Item.id.in_(wanted))))
    for item_id in sorted(own):
        session.add(AlertParagraph(alert_id=alert.id, item_id=item_id))
    session.flush()
    return sorted(own)


def chosen_paragraphs(session: Session, alert_id: int) -> list[Item]:
    from relay.store.entry_view import _number

    rows = session.scalars(select(Item).join(AlertParagraph, AlertParagraph.item_id == Item.id)
                           .where(AlertParagraph.alert_id == alert_id)).all()
    return sorted(rows, key=lambda p: (_number((p.meta or {}).get("paragraph")), p.id))


def paragraphs_html(session: Session, alert: Alert) -> str:
    """The chosen paragraphs as the digest's excerpt (sanitised again by the mail templates); "" for none."""
    paragraphs = chosen_paragraphs(session, alert.id)
    if not paragraphs:
        return ""
    items = []
    for p in paragraphs:
        number = (p.meta or {}).get("paragraph")
        text = p.text if len(p.text) <= EXCERPT else p.text[:EXCERPT].rsplit(" ", 1)[0] + " …"
        label = f"<strong>{escape(str(number))}.</strong> " if number else ""
        items.append(f"<li>{label}{escape(text)}</li>")
    return "<ul>" + "".join(items) + "</ul>"
