"""What one rendering pass reads once and every message in it shares.

A national urgent alert is ~2,000 messages of the same alert (issue 24). Rendered one by one,
each message re-read its contact, municipality, alert, item, office and their names (the session's
identity map is weak, so nothing stayed loaded between messages) and rebuilt the alert's texts,
sector and labels for its language: 5–7 ms of CPU a message. Here the rows are loaded in a few
set-based queries, and everything that depends only on (alert, language) is computed once; only
the links, which are signed for one contact, are made per message. The bytes of each message are
the same as before (tests/delivery/test_render_identical.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload, object_session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from relay.alert_texts import ensure_standard
from relay.documents.chosen import paragraphs_html
from relay.i18n import translator
from relay.mail.sender import municipality_name, office_name
from relay.models import Alert, Assignment, Contact, Item, Organisation
from relay.sectors import sector_names
from relay.store.versions import display_url

_ASSIGNMENTS = Assignment.__table__
# Each assignment gets its message's id in one executemany at the end of the pass (same transaction)
# rather than through the unit of work, which flushed before every following message's queries.
_LINK = (update(_ASSIGNMENTS).where(_ASSIGNMENTS.c.id == bindparam("assignment"))
         .values(message_id=bindparam("message")))
CHUNK = 500  # ids per IN (…): far below SQLite's variable limit, few round trips for a country


def source_label(body: str | None, language: str) -> str:
    """The issuing body in the recipient's written standard (språklova: nynorsk labels for nynorsk)."""
    if not body:
        return ""
    label = translator(language)(f"sources.body.{body}")
    return body if label == f"sources.body.{body}" else label


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    ordered = sorted(set(ids))
    return [ordered[i:i + CHUNK] for i in range(0, len(ordered), CHUNK)]


class RenderPass:
    """The alerts and contacts of a set of assignments, loaded at once and held (strongly) for the pass."""

    def __init__(self, session: Session, assignments: Iterable[Assignment]):
        assignments = list(assignments)
        self.alerts: dict[int, Alert] = {}
        self.contacts: dict[int, Contact] = {}
        for ids in _chunks(a.alert_id for a in assignments):
            self.alerts.update((alert.id, alert) for alert in session.scalars(
                select(Alert).where(Alert.id.in_(ids)).options(
                    selectinload(Alert.sectors), joinedload(Alert.item).joinedload(Item.source),
                    joinedload(Alert.office).selectinload(Organisation.names))))
        for ids in _chunks(a.contact_id for a in assignments):
            self.contacts.update((contact.id, contact) for contact in session.scalars(
                select(Contact).where(Contact.id.in_(ids)).options(
                    joinedload(Contact.municipality).selectinload(Organisation.names))))
        self._sector_names: dict[str, dict[str, str]] = {}
        self._offices: dict[tuple[int, str], str] = {}
        self._municipalities: dict[int, str] = {}
        self._texts: dict[tuple[int, str], tuple[str, dict]] = {}
        self._links: list[dict[str, int]] = []

    def link(self, assignments: Iterable[Assignment], message_id: int) -> None:
        """The assignments are carried by this message: written by write_links, seen at once in the objects."""
        for assignment in assignments:
            set_committed_value(assignment, "message_id", message_id)
            self._links.append({"assignment": assignment.id, "message": message_id})

    def write_links(self, session: Session) -> None:
        if self._links:
            session.execute(_LINK, self._links)
            self._links = []

    def sector_names(self, language: str) -> dict[str, str]:
        if language not in self._sector_names:
            self._sector_names[language] = sector_names(language)
        return self._sector_names[language]

    def office_name(self, alert: Alert, language: str) -> str:
        key = (alert.office_id, language)
        if key not in self._offices:
            self._offices[key] = office_name(alert.office, language)
        return self._offices[key]

    def municipality_name(self, municipality: Organisation) -> str:
        if municipality.id not in self._municipalities:
            self._municipalities[municipality.id] = municipality_name(municipality)
        return self._municipalities[municipality.id]

    def alert_texts(self, alert: Alert, language: str) -> tuple[str, dict]:
        """(the sector the alert is shown under, its texts in `language`): the same for every reader."""
        key = (alert.id, language)
        if key not in self._texts:
            self._texts[key] = self._alert_texts(alert, language)
        return self._texts[key]

    def _alert_texts(self, alert: Alert, language: str) -> tuple[str, dict]:
        names = self.sector_names(language)
        order = list(names)
        ensure_standard(alert, language)
        # An alert in several sectors is shown once, under its first sector in the fixed order.
        sector = min(alert.sector_ids, key=lambda s: order.index(s) if s in names else 99)
        item = alert.item
        title = alert.text("title", language)
        return sector, {
            "title": title,
            # The source's own title, shown inside the text ("Originaltittel"), never as the subject.
            "original_title": item.title if item.title != title else "",
            "summary": alert.text("summary", language),
            "meaning": alert.text("meaning", language),
            # No issuing body (a generic RSS source): the source's own name is the best label there is.
            "source_label": source_label(item.body, language) or (item.source.name if item.source else ""),
            "source_date": item.date.isoformat() if item.date else "",
            "ack_deadline": alert.ack_deadline.isoformat() if alert.ack_deadline else "",
            "urgent": alert.priority == "urgent",
            "excerpt_html": paragraphs_html(object_session(alert), alert),  # a document's chosen paragraphs
            # The case in the preferred language version (issue 20: a Norwegian translation when there is one);
            # the click link around it is the reader's own, made per message.
            "display_url": display_url(object_session(alert), item) or "",
        }
