"""The one place that decides which language a message to a person is written in.

Every mail Relay sends to a municipality (digest, alert, opt-in, the contact's sign-in link and the
pages opened from them) asks `message_language`: the register's språkvedtak binds (språklova
§§ 11 and 15, relay.register_queries.written_standard), a neutral municipality lets the contact
choose, English only when the contact asked for it, and the Swedish profile is Swedish. Staff of the
state (governors, admins, ministries) read their own choice, except a länsstyrelse's staff, who read
Swedish. tests/mail/test_every_municipality.py renders every kind for every municipality and reads
the standard back from the text, so a new kind that bypasses this function fails there.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay.i18n import LANGUAGES
from relay.models import Contact, Organisation, User
from relay.register_queries import written_standard

Language = Literal["nb", "nn", "en", "sv"]


def message_language(municipality: Organisation | None, choice: str | None = None) -> Language:
    """The language of a message to (or a page for) someone at `municipality` who chose `choice`."""
    if municipality is not None and municipality.profile == "se":
        return "sv"
    if choice == "en":
        return "en"
    if municipality is None:
        return choice if choice in LANGUAGES else "nb"
    return written_standard(municipality, choice)


def contact_language(contact: Contact) -> Language:
    return message_language(contact.municipality, contact.language)


def user_language(session: Session, user: User, asked: str | None = None) -> Language:
    """A signed-in user's mail (the sign-in link): a contact's is their municipality's; staff read
    what they asked for (the page they were on) or chose, a länsstyrelse's staff Swedish."""
    if user.contact_id:
        contact = session.get(Contact, user.contact_id)
        if contact is not None:
            return message_language(contact.municipality, asked if asked in ("nb", "nn", "en") else contact.language)
    if user.office is not None and user.office.profile == "se":
        return "sv"
    choice = asked or user.language
    return choice if choice in LANGUAGES else "nb"


def alert_standards(*, session: Session, municipality_ids: list[int] | set[int]) -> dict[str, list[str]]:
    """Standard ("nb", "nn", "sv") → the names of the target municipalities that will read it.

    Asked at approval, so every standard a target reads has its own texts: the municipality's
    decision, and in a neutral municipality every standard its contacts chose as well (a contact
    who picked nynorsk must not get bokmål because the municipality as a whole may)."""
    ids = sorted(set(municipality_ids))
    if not ids:
        return {}
    municipalities = session.scalars(select(Organisation).where(Organisation.id.in_(ids))).all()
    choices: dict[int, set[str]] = {}
    for municipality_id, language in session.execute(
            select(Contact.municipality_id, Contact.language).distinct()
            .where(Contact.municipality_id.in_(ids), Contact.language.in_(("nb", "nn")),
                   Contact.status.in_(("pending", "active")))):
        choices.setdefault(municipality_id, set()).add(language)
    needed: dict[str, list[str]] = {}
    for municipality in sorted(municipalities, key=lambda m: m.name):
        standards = {message_language(municipality, None)}
        if municipality.profile != "se":
            standards |= {written_standard(municipality, c) for c in choices.get(municipality.id, ())}
        for standard in standards:
            needed.setdefault(standard, []).append(municipality.name)
    return needed
