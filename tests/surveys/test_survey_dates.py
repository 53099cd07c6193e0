"""The survey form takes dates as its hint writes them (dd.mm.åååå) in text fields, keeps a bad one
as typed with how to write it, and every survey page shows dates in that one format."""

from __future__ import annotations

import re

from tests.web.conftest import csrf_of


def test_survey_dates_are_typed_and_shown_as_dd_mm_yyyy(world, signed_in):
    minister = signed_in(world.minister)
    form_page = minister.get("/surveys").text
    assert 'type="date"' not in form_page and "dd.mm.åååå" in form_page
    assert re.search(r'name="opens_on" type="text" value="\d{2}\.\d{2}\.\d{4}"', form_page)
    form = {"title": "Får kommunen nok informasjon?", "opens_on": "01.02.2027", "closes_on": "31.02.2027",
            "repeat": "once", "sectors": ["child-welfare"], "csrf_token": csrf_of(minister, "/surveys")}
    refused = minister.post("/surveys", data=form)
    assert refused.status_code == 400 and 'value="31.02.2027"' in refused.text and 'value="01.02.2027"' in refused.text
    assert "Skriv datoen som dd.mm.åååå" in refused.text
    created = minister.post("/surveys", data={**form, "closes_on": "01.03.2027"}, follow_redirects=False)
    assert created.status_code == 303
    page = minister.get(created.headers["location"]).text
    assert "01.02.2027</time> – <time" in page and "2027-02-01<" not in page
    listing = minister.get("/surveys").text
    assert '<time datetime="2027-03-01">01.03.2027</time>' in listing
