"""Municipal contacts and their subscriptions: sign-up with double opt-in, additions by the governor
(one at a time or by CSV), fallback addresses, preferences, unsubscribing, and coverage gaps."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from relay import audit
from relay.models import FREQUENCIES, Contact, Message, Organisation, ReceiptEvent, Subscription, utcnow
from relay.store.upsert import insert_ignore

EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
# Anyone may post the sign-up form with any address of a municipality's domain: at most one mail
# (opt-in or "already subscribed") per address in this interval, however often it is posted.
SIGNUP_MAIL_INTERVAL = timedelta(hours=1)


class ContactError(Exception):
    """A problem with what was submitted; `field` names the form field it belongs to."""

    def __init__(self, message: str, *, field: str = "email"):
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    email = email.strip()
    if len(email) > 254 or not EMAIL.match(email):
        raise ContactError("invalid_email")
    local, domain = email.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def same_address(column, email: str):
    """column holds this address, whatever the case of its letters.

    The local part is case-sensitive by the letter of RFC 5321, but no municipal mail system treats
    it so, and people type Kari.Nordmann@ on one form and kari.nordmann@ on the next: compared as
    typed, one mailbox became two contacts (two digests, a second opt-in, a contact account that
    did not find its contact). Addresses are kept as typed and sent to as typed.
    """
    return func.lower(column) == email.lower()


def allowed_domains(municipality: Organisation) -> list[str]:
    return [d.strip().lower() for d in (municipality.mail_domains or "").split() if d.strip()]


def check_domain(municipality: Organisation, email: str) -> None:
    """Self sign-up only from the municipality's own mail domains (subdomains included)."""
    domains = allowed_domains(municipality)
    if not domains:
        raise ContactError("signup_closed", field="municipality")
    domain = email.rsplit("@", 1)[1].lower()
    if not any(domain == d or domain.endswith("." + d) for d in domains):
        raise ContactError("wrong_domain")


NAME_MAX = 200  # the contact.name column


def checked_name(name: str) -> str:
    """The name as stored: trimmed, within the column, without control characters (PostgreSQL refuses a
    NUL byte; a line break has no place in a name shown on the governors' pages)."""
    name = name.strip()
    if len(name) > NAME_MAX or any(unicodedata.category(c) == "Cc" for c in name):
        raise ContactError("invalid_name", field="name")
    return name


def validate_choices(sectors: list[str], frequency: str, known_sectors: set[str]) -> None:
    if not sectors:
        raise ContactError("no_sectors", field="sectors")
    unknown = [s for s in sectors if s not in known_sectors]
    if unknown:
        raise ContactError("unknown_sector", field="sectors")
    if frequency not in FREQUENCIES:
        raise ContactError("invalid_frequency", field="frequency")


def save_contact(*, session: Session, municipality: Organisation, email: str, name: str, sectors: list[str],
                 frequency: str, known_sectors: set[str], status: str, language: str | None = None,
                 actor="system") -> Contact:
    """Create the contact or, when it exists, add the sectors; never a second row for one address.

    status="pending" is the anonymous sign-up: it never touches a contact in use (active, bouncing,
    a fallback), which is returned unchanged; only its own opt-in may change what it receives. On an
    address still waiting for its opt-in it replaces the earlier choice instead of adding to it: anyone
    may post the form, and the owner's confirmation must not start every sector strangers asked for.
    """
    email = normalise_email(email)
    name = checked_name(name)
    validate_choices(sectors, frequency, known_sectors)
    now = utcnow()
    contact, created = _contact_row(session, municipality, email, name=name, status=status, language=language,
                                    now=now)
    if status == "pending" and contact.status not in ("pending", "unsubscribed"):
        return contact
    if contact.kind == "fallback":
        # The reverse of set_fallback's refusal: the postmottak already receives every sector nobody follows,
        # and subscriptions on it would look like coverage to nobody (coverage_gaps leaves fallbacks out).
        raise ContactError("person_is_the_fallback")
    # What a stranger's unconfirmed sign-up asked for is nobody's choice: a new sign-up or a governor
    # adding the address replaces it rather than adding to it.
    replaces = status == "pending" or (not created and contact.status == "pending")
    if not created and (contact.status in ("unsubscribed", "erased")
                        or (contact.status == "pending" and status == "active")):
        if contact.status == "pending" and status == "active":
            contact.confirmed_at = now  # the office vouches for the address the owner never confirmed
        contact.status = status
    for sector in sectors:
        _set_subscription(session, contact, sector, frequency, now)
    if replaces:
        _end(session, contact, [s.sector for s in contact.subscriptions if s.sector not in sectors], now)
    audit.record(session=session, actor=actor, action="contact.save", entity="contact", entity_id=contact.id,
                 office_id=municipality.office_id, after={"sectors": sectors, "frequency": frequency, "status": status})
    return contact


def _contact_row(session, municipality: Organisation, email: str, *, name: str, status: str, language: str | None,
                 now) -> tuple[Contact, bool]:
    """The address's one row in the municipality, and whether this call created it.

    Insert-or-nothing and read back (DELIVERY-AND-RECEIPTS §5.1): of two first sign-ups at once, the loser
    reads the winner's row and goes on as if it had come a moment later, where a plain insert would hit
    the unique constraint and answer 500.
    """
    # FOR UPDATE (PostgreSQL; SQLite has one writer anyway): saves of one address take turns, where two
    # touching its subscriptions in different orders would deadlock.
    query = (select(Contact).where(same_address(Contact.email, email), Contact.municipality_id == municipality.id)
             .order_by(Contact.id).with_for_update().execution_options(populate_existing=True))
    contact = session.scalars(query).first()
    if contact is not None:
        return contact, False
    created = insert_ignore(session, Contact, {
        "email": email, "name": name.strip(), "municipality_id": municipality.id, "status": status,
        "language": language if language in ("nb", "nn", "en") else None, "created_at": now,
        "confirmed_at": now if status == "active" else None,
    }, ["email", "municipality_id"])
    return session.scalars(query).first(), created


def _set_subscription(session, contact: Contact, sector: str, frequency: str, now) -> None:
    query = select(Subscription).where(Subscription.contact_id == contact.id, Subscription.sector == sector)
    sub = session.scalars(query).first()
    if sub is None:
        # Insert-or-nothing, as for the contact: another request may add this sector at the same moment.
        inserted = insert_ignore(session, Subscription, {"contact_id": contact.id, "sector": sector,
                                                         "frequency": frequency, "created_at": now},
                                 ["contact_id", "sector"])
        # A contact already loaded in this session must see the row (the preferences page is rendered
        # from contact.subscriptions right after the save).
        session.expire(contact, ["subscriptions"])
        if inserted:
            return
        sub = session.scalars(query).one()
    if not sub.active:
        sub.active, sub.created_at, sub.ended_at = True, now, None
    sub.frequency = frequency
    session.flush()


def signup_mail_key(session: Session, email: str) -> str | None:
    """The purpose key for the next sign-up mail to this address, or None while the last one is younger
    than SIGNUP_MAIL_INTERVAL. The state is the message table itself (shared by every process), and the
    key names the mail it follows, so two requests racing past the check still queue one row."""
    last = session.execute(
        select(Message.id, Message.created_at).join(Contact, Message.contact_id == Contact.id)
        .where(same_address(Contact.email, email), Message.kind == "optin").order_by(Message.id.desc()).limit(1)).first()
    if last is not None and last.created_at > utcnow() - SIGNUP_MAIL_INTERVAL:
        return None
    address = hashlib.sha256(email.lower().encode()).hexdigest()[:16]
    return f"optin:{address}:{last.id if last else 0}"


def confirm_contact(*, session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None or contact.status == "erased":
        raise ContactError("gone")
    if contact.status == "pending":
        contact.status, contact.confirmed_at = "active", utcnow()
    return contact


def set_fallback(*, session: Session, municipality: Organisation, email: str, actor) -> Contact:
    """The municipality's postmottak: receives alerts for sectors nobody there follows."""
    email = normalise_email(email)
    before = municipality.fallback_email
    contact = session.scalars(select(Contact).where(Contact.municipality_id == municipality.id,
                                                    Contact.kind == "fallback")).first()
    # One row per address in a municipality: a person's own address cannot also be its postmottak
    # (the unique constraint would answer 500), and the person's subscriptions would be muddled with it.
    holder = session.scalars(select(Contact).where(Contact.municipality_id == municipality.id,
                                                   same_address(Contact.email, email),
                                                   Contact.id != (contact.id if contact else -1))).first()
    if holder is not None and holder.status != "pending":
        raise ContactError("fallback_is_a_person", field="fallback_email")
    if holder is not None:
        # Nobody confirmed that sign-up (anyone may post the form with the shared mailbox's address):
        # it must not keep the office from naming its postmottak.
        from relay.ops.privacy import erase_contact

        erase_contact(session=session, contact=holder, actor=actor, only_this_row=True)
        session.flush()  # the address is free before the postmottak row takes it
    municipality.fallback_email = email
    if contact is None:
        contact = Contact(email=email, name="Postmottak", municipality_id=municipality.id, kind="fallback",
                          status="active", created_at=utcnow(), confirmed_at=utcnow())
        session.add(contact)
    contact.email, contact.status = email, "active"
    session.flush()
    audit.record(session=session, actor=actor, action="municipality.fallback", entity="organisation",
                 entity_id=municipality.id, office_id=municipality.office_id,
                 before={"fallback_email": before}, after={"fallback_email": email})
    return contact


def update_preferences(*, session: Session, contact: Contact, choices: dict[str, str | None],
                       language: str | None, known_sectors: set[str]) -> None:
    """choices: sector → frequency, or None to stop that sector."""
    # The contact row first, as save_contact takes it: two writers of one contact's subscriptions then
    # take turns instead of locking them in opposite orders (a deadlock on PostgreSQL).
    session.execute(select(Contact.id).where(Contact.id == contact.id).with_for_update())
    now = utcnow()
    for sector, frequency in choices.items():
        if sector not in known_sectors:
            raise ContactError("unknown_sector", field="sectors")
        if frequency is None:
            _end(session, contact, [sector], now)
        elif frequency in FREQUENCIES:
            _set_subscription(session, contact, sector, frequency, now)
        else:
            raise ContactError("invalid_frequency", field=f"freq-{sector}")
    if language in ("nb", "nn", "en"):
        contact.language = language
    if contact.status == "unsubscribed" and any(f for f in choices.values()):
        contact.status = "active"


def unsubscribe(*, session: Session, contact_id: int, sectors: list[str] | None, channel: str, token: str) -> bool:
    """End the named sectors (None: everything). Repeats are one event. Returns whether it was new."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise ContactError("gone")
    now = utcnow()
    scope = "all" if sectors is None else ",".join(sorted(sectors))
    _end(session, contact, sectors, now)
    if sectors is None or not any(s.active for s in contact.subscriptions):
        contact.status, contact.unsubscribed_at = "unsubscribed", now
    token_hash = hashlib.sha256(token.encode()).hexdigest()[:24]
    return insert_ignore(session, ReceiptEvent, {
        "dedupe_key": f"unsubscribed:{contact_id}:{scope}:{token_hash}", "kind": "unsubscribed", "occurred_at": now,
        "contact_id": contact_id, "municipality_id": contact.municipality_id,
        "evidence": {"scope": scope, "channel": channel},
    }, ["dedupe_key"])


def _end(session, contact: Contact, sectors: list[str] | None, now) -> None:
    for sub in contact.subscriptions:
        if sub.active and (sectors is None or sub.sector in sectors):
            sub.active, sub.ended_at = False, now
    session.flush()


@dataclass
class ImportReport:
    added: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, value, reason)


def csv_frequency(cell: str) -> str:
    """A frequency as the office's spreadsheet says it: "Straks", "ukentlig", "Kvar månad" or the code."""
    from relay.i18n import catalogue

    words = {catalogue(lang).get(f"web.subs.freq_{code}", code).casefold(): code
             for lang in ("nb", "nn", "en") for code in FREQUENCIES}
    return words.get(cell.casefold(), cell)


def csv_sectors(cell: str) -> list[str]:
    """Sectors as names separated by commas ("Barnevern, Bolig"; bokmål or nynorsk) or as ids separated
    by spaces (the older form). An unknown name is kept as typed, so the row is refused with it."""
    names = _names()
    if "," not in cell and cell.strip().casefold() not in names:
        return cell.split()
    return [names.get(part.strip().casefold(), part.strip()) for part in cell.split(",") if part.strip()]


def _names() -> dict[str, str]:
    """Sector name (any language) or id → id."""
    from relay.sectors import sector_names

    names = {name.casefold(): sid for lang in ("nb", "nn", "en") for sid, name in sector_names(lang).items()}
    return names | {sid: sid for sid in sector_names("nb")}


def import_csv(*, session: Session, office_id: int | None, text: str, known_sectors: set[str], actor,
               profile: str = "no") -> ImportReport:
    """Columns: kommunenummer;e-post;navn;sektorer (space-separated ids);frekvens. Header optional.

    Each row stands alone: a bad row is reported with its line number and changes nothing else.
    """
    report = ImportReport()
    dialect = csv.Sniffer().sniff(text[:2000], delimiters=";,\t") if text.strip() else csv.excel
    for line, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        if not row or (line == 1 and not row[0].strip().isdigit()):
            continue
        cells = [c.strip() for c in row] + [""] * 5
        code, email, name, sectors, frequency = cells[:5]
        sectors, frequency = csv_sectors(sectors), csv_frequency(frequency)
        muni = session.scalars(select(Organisation).where(
            Organisation.profile == profile, Organisation.code == code.zfill(4),
            Organisation.kind.in_(["municipality", "kommun"]))).first()
        if muni is None or (office_id is not None and muni.office_id != office_id):
            report.errors.append((line, code, "unknown_municipality"))
            continue
        try:
            with session.begin_nested():
                save_contact(session=session, municipality=muni, email=email, name=name, sectors=sectors,
                             frequency=frequency or "weekly", known_sectors=known_sectors, status="active",
                             actor=actor)
            report.added += 1
        except ContactError as exc:
            report.errors.append((line, email or code, str(exc)))
    return report


def coverage_gaps(*, session: Session, office_id: int | None, sectors: list[str]) -> list[tuple[Organisation, list[str]]]:
    """Every municipality with the sectors in which it has no active subscriber (fallbacks do not count)."""
    # Names loaded with them: the page shows the official name after the session has closed.
    query = (select(Organisation).where(Organisation.kind.in_(["municipality", "kommun"])).order_by(Organisation.code)
             .options(selectinload(Organisation.names)))
    if office_id is not None:
        query = query.where(Organisation.office_id == office_id)
    rows = session.execute(
        select(Contact.municipality_id, Subscription.sector).join(Subscription, Subscription.contact_id == Contact.id)
        .where(Contact.status == "active", Contact.kind != "fallback", Subscription.active.is_(True))
    )
    covered = {(municipality_id, sector) for municipality_id, sector in rows}
    gaps = []
    for muni in session.scalars(query):
        missing = [s for s in sectors if (muni.id, s) not in covered]
        if missing:
            gaps.append((muni, missing))
    return gaps
