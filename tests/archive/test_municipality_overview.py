"""A municipality's overview: every alert it was sent, acknowledged and followed up per sector, for its
own contacts and its office only; as a page, a printable page, CSV and XLSX."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from relay.db import transaction
from relay.delivery.worker import send_all
from relay.models import Organisation, utcnow
from relay.pipeline import plan_and_render
from relay.receipts.acks import acknowledge
from tests import factories


@pytest.fixture
def delivered(engine, settings, archive):
    """Voss's contact is sent the two office A alerts (to the maildir); it acknowledges the care alert
    with "will follow up"."""
    with transaction(engine) as s:
        voss = s.get(Organisation, archive.voss)
        contact = factories.make_contact(s, municipality=voss, sectors=("child-welfare", "education"))
        user = factories.make_user(s, role="contact", contact_id=contact.id)
        outsider = factories.make_user(s, role="contact", contact_id=factories.make_contact(s).id)
        contact_id, user_id, outsider_id = contact.id, user.id, outsider.id
    plan_and_render(engine=engine, settings=settings, now=utcnow() + timedelta(days=7))
    send_all(engine=engine, settings=settings, worker="test")
    with transaction(engine) as s:
        acknowledge(session=s, alert_id=archive.care, contact_id=contact_id, follow_up="will-follow-up")
    return user_id, outsider_id


def test_the_municipalitys_contact_sees_every_alert_with_acknowledgement_and_follow_up(archive, delivered,
                                                                                         signed_in):
    contact = signed_in(delivered[0])
    page = contact.get("/municipalities/4621/overview?lang=nn")
    assert page.status_code == 200, page.text[:300]
    assert "Oversikt for Voss" in page.text
    assert "Samvær etter omsorgsovertaking" in page.text and "Barnekomiteen sine merknader om skulen" in page.text
    assert "skal følgje opp" in page.text
    assert "2 saker motteke, 1 stadfesta, 1 med oppfølging" in page.text
    assert "Tvang i psykisk helsevern" not in page.text  # another office's alert to another municipality
    csv = contact.get("/municipalities/4621/overview/sectors.csv?lang=nb")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Sektor;Mottatt;Bekreftet;Med oppfølging;Andel bekreftet"
    assert sorted(lines[1:]) == ["Barnehage og skole;1;0;0;0,0", "Barnevern;1;1;1;100,0"]
    book = load_workbook(io.BytesIO(contact.get("/municipalities/4621/overview/alerts.xlsx").content))
    sheet = book.worksheets[-1]
    titles = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert titles == {"Samvær etter omsorgsovertakelse", "Barnekomiteens merknader om skolen"}
    printable = contact.get("/municipalities/4621/overview/print")
    assert printable.status_code == 200 and "<nav" not in printable.text and "skal følge opp" in printable.text


def test_only_the_municipality_its_office_and_admins_may_see_it(archive, delivered, signed_in, web):
    assert signed_in(delivered[1]).get("/municipalities/4621/overview").status_code == 403  # another's contact
    assert signed_in(archive.governor_b).get("/municipalities/4621/overview").status_code == 403
    assert signed_in(archive.governor_a).get("/municipalities/4621/overview").status_code == 200
    assert signed_in(archive.governor_b).get("/municipalities/4621/overview/alerts.csv").status_code == 403
    assert web.get("/municipalities/4621/overview", follow_redirects=False).status_code == 303
    assert signed_in(archive.governor_a).get("/municipalities/0000/overview").status_code == 404
    assert signed_in(archive.governor_a).get("/municipalities/4621/overview/other.pdf").status_code == 404


def test_a_governor_opens_an_overview_from_the_archive(archive, signed_in):
    governor = signed_in(archive.governor_a)
    page = governor.get("/archive").text
    assert '<option value="4621">Voss</option>' in page and "Kristiansand" not in page.split("ov-code")[1][:500]
    moved = governor.get("/municipalities/overview?code=4621", follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == "/municipalities/4621/overview"
    assert governor.get("/municipalities/overview?code=../x", follow_redirects=False).status_code == 404
