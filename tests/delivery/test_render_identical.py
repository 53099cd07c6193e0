"""Rendering an urgent fan-out once per alert and language (issue 24) changed no byte of any message.

The fixture file holds the MIME of every message a fixed alert, a fixed digest and fixed contacts
produced with the renderer as it was before that work (one full rendering per message), with the
clock, Message-IDs, MIME boundaries and token timestamps pinned. Rendering them again now must give the same bytes.
Regenerate (only for a deliberate change of the mail): RELAY_WRITE_GOLDEN=1 pytest this file.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import itsdangerous.timed
from sqlalchemy import select

from relay.db import transaction
from relay.digests.plan import plan_due
from relay.digests.render import render_pending
from relay.models import (
    Alert,
    AlertSector,
    AlertTarget,
    Contact,
    Item,
    Message,
    MessageBody,
    Organisation,
    OrganisationName,
    Subscription,
)

GOLDEN = Path(__file__).parent / "fixtures" / "rendered_messages.json"
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday: last week's digest is due
SINCE = NOW - timedelta(days=60)


class _FixedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        return NOW if tz else NOW.replace(tzinfo=None)


class _FixedDate(date):
    @classmethod
    def today(cls):
        return NOW.date()


def _pin(monkeypatch) -> None:
    counter = itertools.count(1)
    monkeypatch.setattr("relay.mail.envelope.secrets.token_hex", lambda n: f"{next(counter):0{2 * n}x}")
    monkeypatch.setattr("relay.mail.compose.datetime", _FixedDatetime)
    monkeypatch.setattr("relay.mail.sender.date", _FixedDate)
    monkeypatch.setattr("email.generator.random", random.Random(24))  # the MIME boundaries
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: 1_795_000_000)


def _populate(session) -> None:
    office = Organisation(id=900, profile="no", kind="office", code="974764067", org_number="974764067",
                          name="Statsforvalteren i Vestland")
    session.add(office)
    session.flush()
    munis = [
        Organisation(id=901, profile="no", kind="municipality", code="4601", name="Bergen", office_id=900,
                     malform="noytral", malform_confirmed=True),
        Organisation(id=902, profile="no", kind="municipality", code="4621", name="Voss", office_id=900,
                     malform="nynorsk", malform_confirmed=True),
        Organisation(id=903, profile="no", kind="municipality", code="5430", name="Kautokeino", office_id=900,
                     malform="bokmal", malform_confirmed=True, sami_area=True),
    ]
    session.add_all(munis)
    session.flush()
    session.add(OrganisationName(organisation_id=903, form="official", name="Guovdageainnu suohkan – Kautokeino kommune",
                                 valid_from=date(2020, 1, 1)))
    cid = itertools.count(1)
    for muni in munis:
        for n, (frequency, language) in enumerate((("monthly", None), ("weekly", "nn"), ("weekly", "en"))):
            i = next(cid)
            contact = Contact(id=i, email=f"k{n}@{muni.code}.kommune.test", name=f"Kontakt «{n}» Ærlig",
                              municipality_id=muni.id, status="active", created_at=SINCE, language=language)
            contact.subscriptions = [Subscription(sector=s, frequency=frequency, created_at=SINCE)
                                     for s in ("child-welfare", "health")]
            session.add(contact)
    for i, (key, title, priority, approved) in enumerate((
        ("golden:urgent", "CASE OF A. AND B. v. NORWAY", "urgent", NOW - timedelta(minutes=1)),
        ("golden:digest", "CASE OF C. v. NORWAY", "normal", NOW - timedelta(days=3)),
    ), start=1):
        session.add(Item(id=i, key=key, kind="judgment", title=title, states="NOR", body="ECtHR",
                         url=f"https://hudoc.echr.coe.int/eng?i=001-{i}", date=date(2026, 11, 10)))
        session.flush()
        alert = Alert(id=i, item_id=i, office_id=900, title_nb=f"Viktig <{i}>: omsorgsovertaking & samvær",
                      title_nn=f"Viktig <{i}>: omsorgsovertaking og samvær", summary_nb="Sammendrag.\n\nAvsnitt to. " * 3,
                      summary_nn="Samandrag.\n\nAvsnitt to. " * 3, meaning_nb="Kommunen må vurdere rutinene.",
                      meaning_nn="Kommunen må vurdere rutinane.", priority=priority, approved_at=approved,
                      ack_deadline=date(2026, 12, 1) if priority == "urgent" else None)
        alert.sectors = [AlertSector(sector="child-welfare"), AlertSector(sector="health")]
        alert.targets = [AlertTarget(municipality_id=m.id) for m in munis]
        session.add(alert)


def _rendered(engine, settings) -> dict[str, str]:
    with transaction(engine) as session:
        _populate(session)
    with transaction(engine) as session:
        plan_due(session=session, tz=settings.timezone, now=NOW)
        render_pending(session=session, settings=settings)
    with transaction(engine) as session:
        rows = session.execute(select(Message.purpose_key, Message.envelope_from, MessageBody.mime)
                               .join(MessageBody, MessageBody.message_id == Message.id).order_by(Message.purpose_key))
        return {key: f"MAIL FROM:{sender}\r\n{bytes(mime).decode('ascii')}" for key, sender, mime in rows}


def test_every_rendered_message_is_byte_for_byte_what_the_old_renderer_made(engine, settings, monkeypatch):
    _pin(monkeypatch)
    rendered = _rendered(engine, settings)
    if os.environ.get("RELAY_WRITE_GOLDEN"):
        GOLDEN.write_text(json.dumps(rendered, indent=1, ensure_ascii=True) + "\n")
    expected = json.loads(GOLDEN.read_text())
    kinds = {key.split(":")[0] for key in rendered}
    assert kinds == {"alert", "digest"}, kinds  # both paths of the renderer are covered
    assert len(rendered) == len(expected) >= 9
    for key, mime in expected.items():
        assert rendered.get(key) == mime, key


def test_the_wire_form_picks_the_stock_generators_boundary_even_when_the_text_contains_it(monkeypatch):
    from email.generator import BytesGenerator, _fmt
    from email.message import EmailMessage
    from io import BytesIO

    from relay.delivery.wire_form import WireGenerator, wire_bytes
    from relay.mail.headers import POLICY

    first = "=" * 15 + _fmt % random.Random(7).randrange(sys.maxsize) + "=="
    message = EmailMessage(policy=POLICY)
    message["Subject"] = "Grense"
    message.set_content(f"The lines below are the boundary itself:\n--{first}\n--{first}.0--\n")
    message.add_alternative("<p>ok</p>", subtype="html", charset="utf-8")

    def flattened(generator, linesep):
        monkeypatch.setattr("email.generator.random", random.Random(7))
        out = BytesIO()
        generator(out, mangle_from_=False, policy=POLICY.clone(linesep=linesep)).flatten(message)
        message.set_boundary("x")  # forget the chosen boundary, so the next flattening chooses again
        del message["Content-Type"]
        message["Content-Type"] = "multipart/alternative"
        return out.getvalue()

    # With LF line ends the stock check sees both lines and moves on to the second suffix.
    stock = flattened(BytesGenerator, "\n")
    assert stock == flattened(WireGenerator, "\n")
    assert f'boundary="{first}.1"'.encode() in stock
    # On the wire (CRLF) exactly the stock bytes, whatever they are.
    assert flattened(BytesGenerator, "\r\n") == flattened(WireGenerator, "\r\n")
    monkeypatch.setattr("email.generator.random", random.Random(7))
    assert wire_bytes(message).startswith(b"Subject: Grense\r\n")
