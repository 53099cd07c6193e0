"""Every kind of mail a municipality gets, for every municipality of the register, in its written standard.

The register is loaded as shipped (357 municipalities). Each gets a contact per standard it may be
written to (a neutral municipality: bokmål, nynorsk and no choice; the others: their decision, and a
contact who asked for the other standard, which must not get it). Each office approves an alert for
its whole region through the real approval, with different words in bokmål and nynorsk; the real
planner and renderer queue the immediate alerts and the weekly digests; the opt-in and sign-in mails
are queued by the functions the web pages call. Then every message in the outbox is parsed and its
standard read from its own words — fixed texts, the office's name and the alert's texts alike — so a
template, a field or a kind that forgets the standard fails here, whichever it is.
"""

from __future__ import annotations

import email
import re
from collections import Counter
from datetime import date
from email.header import decode_header, make_header

import pytest
from sqlalchemy import select

from relay.curation import AlertDraft, approve_item
from relay.db import transaction
from relay.digests.periods import period_containing
from relay.digests.plan import plan_due, plan_period
from relay.digests.render import render_pending
from relay.models import Contact, Message, Organisation, Subscription, Tag, User, utcnow
from relay.outgoing import queue_signin_message
from relay.register_queries import name_on
from relay.web.pages.public.subscriptions import _mail_language, _queue_signup_mail
from tests import factories

# Words only one standard uses, from the fixed texts, the office names and the alert texts below.
MARKERS = {
    "nn": {"ikkje", "frå", "kva", "kjelde", "motteke", "dykk", "statsforvaltaren", "menneskerettar", "nokon",
           "lenkja", "stadfest", "tyder", "gjeld", "berre", "tenesta"},
    "nb": {"ikke", "fra", "hva", "kilde", "mottatt", "dere", "statsforvalteren", "menneskerettigheter", "noen",
           "lenken", "bekreft", "betyr", "gjelder", "bare", "tjenesten"},
}
WORD = re.compile(r"\w+", re.UNICODE)
TEXTS = {
    "nb": dict(title_nb="Hva kommunen må vite om samvær", summary_nb="Dommen gjelder ikke bare barnevernet.",
               meaning_nb="Fra nå av må tjenesten begrunne avgrensninger."),
    "nn": dict(title_nn="Kva kommunen må vite om samvær", summary_nn="Dommen gjeld ikkje berre barnevernet.",
               meaning_nn="Frå no av må tenesta grunngi avgrensingar."),
}


def standards_in(text: str) -> set[str]:
    words = {w.casefold() for w in WORD.findall(text)}
    return {standard for standard, markers in MARKERS.items() if words & markers}


def expected(municipality: Organisation, choice: str | None) -> str:
    """språklova §§ 11 and 15, restated from the register's own fields (not from relay.standards)."""
    if municipality.malform in ("nynorsk", "bokmal"):
        return {"nynorsk": "nn", "bokmal": "nb"}[municipality.malform]
    if choice:
        return choice
    return "nb" if municipality.malform_confirmed else "nn"


def _choices(municipality: Organisation) -> tuple[str | None, ...]:
    """A neutral municipality: both standards, and no choice where its decision is unconfirmed (the
    default then differs). A decided one: a contact asking for the other standard, which must not get it."""
    if municipality.malform == "noytral":
        return ("nb", "nn") if municipality.malform_confirmed else ("nb", "nn", None)
    return ("nn",) if municipality.malform == "bokmal" else ("nb",)


def every_mail(register, settings):
    """Queue every kind of municipal mail for every municipality; returns (contacts by id, messages)."""
    engine = register
    with transaction(engine) as s:
        municipalities = s.scalars(select(Organisation).where(Organisation.kind == "municipality")).all()
        item = factories.make_item(s, title="CASE OF STRAND LOBBEN AND OTHERS v. NORWAY", body="ECHR",
                                   date=date(2019, 9, 10), language="en")
        s.add(Tag(item_id=item.id, sector="child-welfare"))
        for municipality in municipalities:
            for choice in _choices(municipality):
                # Alternate immediate and weekly so both the alert and the digest reach every municipality.
                for frequency in ("immediate", "weekly"):
                    contact = Contact(email=f"k{municipality.code}-{choice}-{frequency}@kommune.test",
                                      municipality_id=municipality.id, status="active", language=choice,
                                      confirmed_at=utcnow())
                    contact.subscriptions = [Subscription(sector="child-welfare", frequency=frequency)]
                    s.add(contact)
        s.flush()
        for office in s.scalars(select(Organisation).where(Organisation.kind == "office")):
            approve_item(session=s, item_id=item.id, office_id=office.id, actor="test",
                         draft=AlertDraft(**TEXTS["nb"], **TEXTS["nn"], sectors=["child-welfare"]))
    with transaction(engine) as s:
        plan_due(session=s, tz=settings.timezone)
        plan_period(session=s, frequency="weekly", period=period_containing("weekly", utcnow().date()),
                    tz=settings.timezone)
        render_pending(session=s, settings=settings)
        for contact in s.scalars(select(Contact).where(Contact.email.like("%-immediate@%"))):
            # The opt-in and the sign-in link asked for from a page in the contact's choice (or none).
            page = contact.language
            _queue_signup_mail(s, settings, contact, key=f"optin:{contact.id}",
                               language=_mail_language(contact.municipality, page))
            user = User(email=contact.email, role="contact", contact_id=contact.id, language=page or "nb")
            s.add(user)
            s.flush()
            queue_signin_message(session=s, settings=settings, user=user, url="https://relay.test/login/x",
                                 language=page, key=f"signin:{contact.id}")
    with transaction(engine) as s:
        contacts = {c.id: (c.municipality, c.language, c.email) for c in s.scalars(select(Contact))}
        for municipality, _, _ in contacts.values():
            municipality.names  # noqa: B018 - loaded for name_on after the session
        by_address = {email: cid for cid, (_, _, email) in contacts.items()}
        messages = [(m.kind, m.contact_id or by_address[m.to_address], m.subject, m.mime)
                    for m in s.scalars(select(Message))]
    return contacts, messages


def _read(mime: bytes) -> tuple[email.message.Message, str]:
    """Headers and both bodies as a reader sees them (compat32 parsing: the default policy's header
    objects would make this test take half a minute longer)."""
    message = email.message_from_bytes(mime)
    bodies = [part.get_payload(decode=True).decode("utf-8") for part in message.walk()
              if part.get_content_maintype() == "text"]
    headers = [str(make_header(decode_header(message[name] or ""))) for name in ("Subject", "From", "List-Id")]
    return message, "\n".join(headers + bodies)


@pytest.mark.slow
def test_every_message_to_every_municipality_is_in_its_written_standard(register, settings):
    contacts, messages = every_mail(register, settings)
    kinds = Counter(kind for kind, *_ in messages)
    assert len({municipality.code for municipality, _, _ in contacts.values()}) == 357
    # One immediate and one weekly contact per municipality and choice; opt-in and sign-in per immediate one.
    assert kinds["alert"] == kinds["optin"] == kinds["signin"] == kinds["digest"] == len(contacts) // 2
    wrong = []
    for kind, contact_id, subject, mime in messages:
        municipality, choice, _ = contacts[contact_id]
        message, whole = _read(mime)
        want = expected(municipality, choice)
        found = standards_in(whole)
        if found != {want} or message["Content-Language"] != want or "CASE OF" in subject:
            words = {w.casefold() for w in WORD.findall(whole)}  # which words gave it away
            wrong.append((kind, municipality.name, municipality.malform, choice, want, subject,
                          {s: sorted(words & m) for s, m in MARKERS.items()}))
        if kind in ("alert", "digest"):  # the alert's own words, not only the frame around them
            own = TEXTS[want]
            if own[f"title_{want}"] not in whole or own[f"meaning_{want}"] not in " ".join(whole.split()):
                wrong.append((kind, municipality.name, "alert text", want))
        official = name_on(municipality, date.today())
        if kind != "signin" and official not in " ".join(whole.split()):
            wrong.append((kind, municipality.name, "name", official))
    assert not wrong, f"{len(wrong)} messages in the wrong standard or name, e.g. {wrong[:5]}"
    # The Sámi administrative area by its official bilingual names; the source's title only inside the text.
    kautokeino = next(m for m in messages if contacts[m[1]][0].code == "5612" and m[0] == "alert")
    text = _read(kautokeino[3])[1]
    assert "Guovdageaidnu - Kautokeino" in text
    assert "Originaltittel: CASE OF STRAND LOBBEN AND OTHERS v. NORWAY" in text
    assert kautokeino[2] == "Ny sak: Hva kommunen må vite om samvær"  # Kautokeino: bokmål
