"""Municipalities in the Sámi administrative area are named as the register has them
("Guovdageaidnu - Kautokeino") on every page and in every download that names a municipality, not
by the plain name the report queries carry."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from relay.cli.report import report
from relay.db import transaction
from relay.models import Organisation, OrganisationName
from tests import factories

OFFICIAL = "Guovdageaidnu - Kautokeino"


@pytest.fixture
def kautokeino(engine, world):
    """Kautokeino (register name) with its official bilingual name, an alert, a contact following one
    sector of several (a gap) and a contact whose address bounces."""
    with transaction(engine) as s:
        office = s.get(Organisation, world.office_a)
        muni = factories.make_municipality(s, office=office, code="5612", name="Kautokeino", sami_area=True,
                                           mail_domains="kautokeino.kommune.no")
        s.add(OrganisationName(organisation_id=muni.id, form="official", name=OFFICIAL, valid_from=date(2020, 1, 1)))
        alert = factories.make_alert(s, office=office, municipalities=[muni])
        contact = factories.make_contact(s, municipality=muni, email="post@kautokeino.kommune.no")
        factories.make_contact(s, municipality=muni, email="gone@kautokeino.kommune.no", status="bouncing",
                               hard_bounces=3)
        return {"alert": alert.id, "contact": contact.id}


def test_report_pages_name_the_municipality_officially(client_for, kautokeino):
    ministry = client_for("ministry")
    national = ministry.get("/reports").text
    assert OFFICIAL in national
    page = ministry.get("/reports/municipalities/5612").text
    assert f"<h1>{OFFICIAL} " in page and ">Kautokeino<" not in page
    alert_page = ministry.get(f"/reports/alerts/{kautokeino['alert']}").text
    assert f"<td>{OFFICIAL}</td>" in alert_page and "Kautokeino<" not in alert_page.replace(OFFICIAL, "")


@pytest.mark.parametrize("path", ["/reports/export/municipalities.csv", "/reports/export/gaps.csv",
                                  "/reports/export/bouncing.csv", "/reports/municipalities/5612/export/contacts.csv"])
def test_downloads_name_the_municipality_officially(client_for, kautokeino, path):
    text = client_for("ministry").get(path).text
    assert f";{OFFICIAL};" in text and ";Kautokeino;" not in text


def test_alert_download_and_cli_tables_name_the_municipality_officially(client_for, kautokeino, engine, monkeypatch):
    csv_text = client_for("ministry").get(f"/reports/alerts/{kautokeino['alert']}/export/municipalities.csv").text
    assert f";{OFFICIAL};" in csv_text
    monkeypatch.setattr("relay.cli.report.get_engine", lambda: engine)
    for args in (["municipality", "5612"], ["alert", str(kautokeino["alert"])], ["national"]):
        result = CliRunner().invoke(report, args, catch_exceptions=False)
        assert result.exit_code == 0 and OFFICIAL in result.output, args
