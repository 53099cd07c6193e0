"""A municipality's overview: every alert it was sent, acknowledged and followed up per sector, for its
own contacts and its office only; as a page, a printable page, CSV and XLSX."""

from __future__ import annotations

import io
import re
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


OVERVIEW = ("/municipalities/4621/overview", "/municipalities/4621/overview/print",
            "/municipalities/4621/overview/alerts.csv", "/municipalities/4621/overview/sectors.xlsx")


def test_the_overviews_role_matrix(archive, delivered, signed_in, web, engine):
    """Who opens Voss's overview: its own contact, its office's governor, a ministry and an admin; not
    another municipality's contact nor another office's governor; anonymous is asked to sign in."""
    with transaction(engine) as s:
        minister = factories.make_user(s, role="ministry").id
        admin = factories.make_user(s, role="admin").id
    expected = {"own contact": (delivered[0], 200), "other contact": (delivered[1], 403),
                "own governor": (archive.governor_a, 200), "other governor": (archive.governor_b, 403),
                "ministry": (minister, 200), "admin": (admin, 200)}
    for persona, (user_id, status) in expected.items():
        client = signed_in(user_id)
        for path in OVERVIEW:
            assert client.get(path).status_code == status, (persona, path)
    for path in OVERVIEW:
        answer = web.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), path


def test_a_ministry_reads_any_municipalitys_overview_and_changes_nothing(archive, delivered, signed_in, engine):
    """Ministries evaluate whether municipalities receive enough information: they read every overview,
    pick any municipality from the archive, and the overview offers them nothing to change."""
    with transaction(engine) as s:
        minister_id = factories.make_user(s, role="ministry").id
    minister = signed_in(minister_id)
    page = minister.get("/municipalities/4621/overview")
    assert "Oversikt for Voss" in page.text and "2 saker mottatt, 1 bekreftet, 1 med oppfølging" in page.text
    # The only form a ministry sees on the page is the menu's sign-out.
    posts = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]*)"|<form[^>]*action="([^"]*)"[^>]*method="post"',
                       page.text)
    assert {a or b for a, b in posts} <= {"/logout"}
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', minister.get("/archive").text).group(1)
    for path in OVERVIEW:
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            assert minister.request(method, path, data={"csrf_token": csrf}).status_code == 405, (method, path)
    picker = minister.get("/archive").text.split('id="ov-code"')[1].split("</select>")[0]
    assert '<option value="4621">Voss</option>' in picker and "Kristiansand" in picker  # every office's
