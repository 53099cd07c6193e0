"""The governor's contacts and coverage pages, the public sign-up and a contact's preferences name a
municipality as the register has it ("Guovdageaidnu - Kautokeino"), as its mail does."""

from __future__ import annotations

from datetime import date

from relay import links
from relay.db import transaction
from relay.models import Organisation, OrganisationName
from tests import factories

OFFICIAL = "Guovdageaidnu - Kautokeino"


def _kautokeino(engine, world) -> int:
    with transaction(engine) as s:
        muni = factories.make_municipality(s, office=s.get(Organisation, world.office_a), code="5612",
                                           name="Kautokeino", sami_area=True, mail_domains="kautokeino.kommune.no")
        s.add(OrganisationName(organisation_id=muni.id, form="official", name=OFFICIAL, valid_from=date(2020, 1, 1)))
        return factories.make_contact(s, municipality=muni, email="post@kautokeino.kommune.no").id


def _without_official(text: str) -> str:
    return text.replace(OFFICIAL, "")


def test_contacts_page_lists_and_finds_the_municipality_by_its_official_name(client_for, world, engine):
    _kautokeino(engine, world)
    gov = client_for("governor_a")
    page = gov.get("/contacts").text
    assert f'<td data-label="Kommune">{OFFICIAL}</td>' in page
    assert f'<option value="5612" >{OFFICIAL}</option>' in page and f"<legend>{OFFICIAL}</legend>" in page
    assert "Kautokeino<" not in _without_official(page)
    found = gov.get("/contacts", params={"q": "Guovdageaidnu"}).text
    assert "post@kautokeino.kommune.no" in found


def test_coverage_signup_and_preferences_use_the_official_name(client_for, world, engine, settings):
    contact_id = _kautokeino(engine, world)
    coverage = client_for("governor_a").get("/coverage").text
    assert f"<td>{OFFICIAL}</td>" in coverage
    signup = client_for("anonymous").get("/signup").text
    assert f">{OFFICIAL}</option>" in signup and "Kautokeino<" not in _without_official(signup)
    prefs = client_for("anonymous").get(links.preferences_url(settings, contact_id=contact_id)
                                        .removeprefix(settings.base_url)).text
    assert OFFICIAL in prefs and "Kautokeino" not in _without_official(prefs)
