"""A treaty body's concluding observations: one queue entry with its recommendation paragraphs grouped by
sector; the governor approves the document with the paragraphs chosen; the digest shows the document once
with those paragraphs."""

from __future__ import annotations

import email
import re
from datetime import timedelta

from markupsafe import escape
from sqlalchemy import select

from relay.db import transaction
from relay.models import Alert, AlertParagraph, Contact, Item, Message, Source, Tag, utcnow
from relay.pipeline import plan_and_render
from tests.intake.conftest import add_source, feed
from tests.web.conftest import csrf_of

DOC = "un:CRC/C/NOR/CO/7"
FOSTER = "uhri:5a1b2c3d-0001-4e5f-8a9b-000000000101"
SUPPORT = "uhri:5a1b2c3d-0001-4e5f-8a9b-000000000102"
SCHOOL = "uhri:5a1b2c3d-0001-4e5f-8a9b-000000000103"


def test_a_document_is_one_entry_approved_with_the_chosen_paragraphs_and_sent_once(client_for, world, engine, settings):
    add_source(engine, "uhri", "uhri", countries=["Norway"])
    feed(engine, "uhri", "uhri/norway_quirks.json")
    with transaction(engine) as session:
        source_id = session.scalar(select(Source.id).where(Source.key == "uhri"))
        ids = {item.key: item.id for item in session.scalars(select(Item))}
    gov = client_for("governor_a")
    listing = gov.get(f"/queue?source={source_id}").text
    assert re.findall(r'name="item_ids" value="(\d+)"', listing) == [str(ids[DOC])]  # the paragraphs are not entries
    # A paragraph opened on its own leads to its document.
    assert gov.get(f"/queue/{ids[FOSTER]}", follow_redirects=False).headers["location"] == f"/queue/{ids[DOC]}"

    page = gov.get(f"/queue/{ids[DOC]}").text
    assert "Anbefalinger i dokumentet" in page
    for key in (FOSTER, SUPPORT, SCHOOL):
        assert f'name="paragraph_ids" value="{ids[key]}"' in page
    # The document has no sector of its own: the form starts from its paragraphs' sectors.
    with transaction(engine) as session:
        from relay.models import Tag

        own = session.scalars(select(Tag.sector).where(Tag.item_id == ids[DOC])).all()
        placed = set(session.scalars(select(Tag.sector).where(Tag.item_id.in_([ids[FOSTER], ids[SUPPORT], ids[SCHOOL]]))))
    assert own == [] and placed
    for sector in placed:
        assert re.search(rf'id="sec-{sector}" name="sectors" value="{sector}" checked', page), sector
    approved = gov.post(f"/queue/{ids[DOC]}/approve", data={
        "csrf_token": csrf_of(gov), "office": world.office_a, "priority": "normal", "sectors": ["child-welfare"],
        "title_nb": "Barnekomiteens merknader til Norge", "summary_nb": "Anbefalinger om fosterhjem.",
        "title_nn": "Barnekomiteen sine merknader til Noreg", "summary_nn": "Tilrådingar om fosterheim.",
        "paragraph_ids": [str(ids[FOSTER]), str(ids[SUPPORT]), "999999"],
    }, follow_redirects=False)
    assert approved.status_code == 303, approved.text[:300]
    with transaction(engine) as session:
        chosen = set(session.scalars(select(AlertParagraph.item_id)))
        assert chosen == {ids[FOSTER], ids[SUPPORT]}  # an id that is not this document's paragraph is ignored
    # The alert page and the alert's archive page show the paragraphs sent, and only those.
    alert_path = approved.headers["location"].split("?")[0]
    for path in (alert_path, alert_path.replace("/alerts/", "/archive/")):
        shown = gov.get(path).text
        assert "Anbefalinger sendt med varselet" in shown, path
        assert "foster care" in shown and "early, family-based support" in shown, path
        assert "school health service" not in shown, path

    plan_and_render(engine=engine, settings=settings, now=utcnow() + timedelta(days=7))
    with transaction(engine) as session:
        contact = session.get(Contact, world.contact)
        [message] = session.scalars(select(Message).where(Message.to_address == contact.email)).all()
        mail = email.message_from_bytes(message.body.mime, policy=email.policy.default)
        text = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
    assert text.count("Barnekomiteen sine merknader til Noreg") == 1  # Voss writes nynorsk
    assert "foster care" in text and "early, family-based support" in text
    assert "school health service" not in text and "school health service" not in html


def _checked(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'name="paragraph_ids" value="(\d+)" checked', page)}


def test_a_refused_approval_form_keeps_the_paragraphs_the_governor_chose(client_for, world, engine):
    add_source(engine, "uhri", "uhri", countries=["Norway"])
    feed(engine, "uhri", "uhri/norway_quirks.json")
    with transaction(engine) as session:
        ids = {item.key: item.id for item in session.scalars(select(Item))}
    gov = client_for("governor_a")
    assert _checked(gov.get(f"/queue/{ids[DOC]}").text) == {ids[FOSTER], ids[SUPPORT], ids[SCHOOL]}  # all at first
    form = {"csrf_token": csrf_of(gov), "office": world.office_a, "priority": "normal",
            "title_nb": "Barnekomiteens merknader til Norge", "paragraphs_listed": "1",
            "paragraph_ids": [str(ids[FOSTER])]}  # no sector ticked: the form is refused
    refused = gov.post(f"/queue/{ids[DOC]}/approve", data=form)
    assert refused.status_code == 400
    assert _checked(refused.text) == {ids[FOSTER]}
    # Every box unticked stays unticked too, and a nynorsk draft keeps the choice as well.
    none = gov.post(f"/queue/{ids[DOC]}/approve", data={**form, "paragraph_ids": []})
    assert none.status_code == 400 and _checked(none.text) == set()
    drafted = gov.post(f"/queue/{ids[DOC]}/draft-nn", data={**form, "paragraph_ids": [str(ids[SUPPORT])]})
    assert drafted.status_code == 200 and _checked(drafted.text) == {ids[SUPPORT]}
    with transaction(engine) as session:
        assert session.scalars(select(AlertParagraph)).all() == []


def test_bulk_approval_of_a_document_uses_its_paragraphs_sectors_and_sends_its_paragraphs(client_for, world, engine):
    add_source(engine, "uhri", "uhri", countries=["Norway"])
    feed(engine, "uhri", "uhri/norway_quirks.json")
    with transaction(engine) as session:
        ids = {item.key: item.id for item in session.scalars(select(Item))}
        placed = set(session.scalars(select(Tag.sector).where(
            Tag.item_id.in_([ids[FOSTER], ids[SUPPORT], ids[SCHOOL]]), Tag.removed.is_(False))))
        assert placed and not session.scalars(select(Tag).where(Tag.item_id == ids[DOC])).all()
    gov = client_for("governor_a")
    done = gov.post("/queue/bulk", data={"csrf_token": csrf_of(gov), "office": world.office_a, "action": "approve",
                                         "item_ids": [str(ids[DOC])]}, follow_redirects=False)
    assert done.status_code == 303 and "done=1&failed=0" in done.headers["location"], done.headers["location"]
    with transaction(engine) as session:
        [alert] = session.scalars(select(Alert).where(Alert.item_id == ids[DOC])).all()
        assert {s.sector for s in alert.sectors} == placed
        assert set(session.scalars(select(AlertParagraph.item_id).where(AlertParagraph.alert_id == alert.id))) \
            == {ids[FOSTER], ids[SUPPORT], ids[SCHOOL]}


def test_bulk_approval_refuses_a_document_without_any_sector_by_name_and_approves_the_rest(
        client_for, world, engine):
    add_source(engine, "uhri", "uhri", countries=["Norway"])
    feed(engine, "uhri", "uhri/norway_quirks.json")
    with transaction(engine) as session:
        ids = {item.key: item.id for item in session.scalars(select(Item))}
        for tag in session.scalars(select(Tag).where(Tag.item_id.in_([ids[FOSTER], ids[SUPPORT], ids[SCHOOL]]))):
            tag.removed = True  # the governor took every paragraph's sector away
        title = session.get(Item, ids[DOC]).title
    gov = client_for("governor_a")
    done = gov.post("/queue/bulk", data={"csrf_token": csrf_of(gov), "office": world.office_a, "action": "approve",
                                         "item_ids": [str(ids[DOC]), str(world.item)]}, follow_redirects=False)
    location = done.headers["location"]
    assert "done=1&failed=1" in location and f"nosector={ids[DOC]}" in location, location
    with transaction(engine) as session:
        assert session.scalars(select(Alert).where(Alert.item_id == world.item)).first() is not None
        assert session.scalars(select(Alert).where(Alert.item_id == ids[DOC])).first() is None
    page = gov.get(location).text
    assert "Ikke godkjent fordi verken saken eller avsnittene i den har en sektor" in page
    assert f'href="/queue/{ids[DOC]}' in page and str(escape(title)) in page
