"""Surveys in the Swedish profile: a länsstyrelse asks its own kommuner, in Swedish, through the same
signed links; a national survey is refused with the reason (the Swedish register has no ministries), on
the page and on the command line."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from relay.cli.survey import survey as survey_cli
from relay.db import transaction
from relay.models import Organisation, Survey, SurveyAnswer
from relay.register import load_register
from tests import factories
from tests.surveys.test_survey import _link, _mails
from tests.web.conftest import csrf_of


@pytest.fixture
def settings(settings):
    """The test settings, Swedish profile."""
    return settings.model_copy(update={"profile": "se"})


@pytest.fixture
def sweden(engine, settings):
    """The Swedish register; Gotland's länsstyrelse with a governor; a contact in Gotland kommun."""
    with transaction(engine) as s:
        load_register(session=s, profile="se")
        gotland = s.scalars(select(Organisation).where(Organisation.profile == "se", Organisation.kind == "kommun",
                                                       Organisation.code == "0980")).one()
        lst = s.get(Organisation, gotland.office_id)
        factories.make_contact(s, municipality=gotland, email="social@gotland.se")
        governor = factories.make_user(s, role="governor", office=lst)
        minister = factories.make_user(s, role="ministry")
        in_lan = s.query(Organisation).filter(Organisation.office_id == lst.id, Organisation.kind == "kommun").count()
        return {"lst": lst.id, "lst_name": lst.name, "lst_code": lst.code, "governor": governor.id,
                "minister": minister.id, "kommuner": in_lan}


def _form(client, **fields) -> dict:
    return {"title": "Får kommunen tillräcklig information?", "opens_on": date.today().isoformat(),
            "closes_on": (date.today() + timedelta(days=30)).isoformat(), "repeat": "once",
            "sectors": ["child-welfare"], "csrf_token": csrf_of(client, "/surveys"), **fields}


def test_a_lansstyrelse_asks_its_kommuner_in_swedish(engine, sweden, signed_in, web):
    governor = signed_in(sweden["governor"])
    created = governor.post("/surveys", data=_form(governor, asked_by=str(sweden["lst"])), follow_redirects=False)
    assert created.status_code == 303, created.text[:400]
    survey_id = int(created.headers["location"].rsplit("/", 1)[1])
    with transaction(engine) as s:
        assert s.get(Survey, survey_id).office_id == sweden["lst"]  # its own kommuner, not the country
    sent = governor.post(f"/surveys/{survey_id}/send", data={"csrf_token": csrf_of(governor, f"/surveys/{survey_id}")})
    assert sent.status_code == 200

    mails = _mails(engine)
    assert [k.split()[0] for k in mails] == ["social@gotland.se"]
    mail = next(iter(mails.values()))
    assert mail["Content-Language"] == "sv"
    assert mail["Subject"] == "Enkät: får Gotland tillräckligt med information om de mänskliga rättigheterna?"
    page = web.get(_link(mail))
    assert page.status_code == 200 and '<html lang="sv">' in page.text and "Vad har saknats?" in page.text
    saved = web.post(_link(mail), data={"responder_name": "Karin Larsson", "s-child-welfare": "3",
                                        "missing": "Utbildning för personalen.", "csrf_token": csrf_of(web, _link(mail))})
    assert saved.status_code == 200 and "Tack! Svaret från Gotland är registrerat." in saved.text
    with transaction(engine) as s:
        assert s.scalars(select(SurveyAnswer.responder_name)).all() == ["Karin Larsson"]

    by_office = governor.get(f"/surveys/{survey_id}/by_office.csv").content.decode("utf-8-sig").splitlines()
    assert by_office[1:] == [f"{sweden['lst_name']};{sweden['kommuner']};1;100,0"]
    assert "Utbildning för personalen." in governor.get(f"/surveys/{survey_id}").text


def test_a_national_survey_is_refused_with_the_reason(engine, sweden, signed_in):
    minister = signed_in(sweden["minister"])
    page = minister.get("/surveys")
    assert page.status_code == 200 and 'id="no-national"' in page.text
    assert "I den svenske profilen har registeret ingen departementer" in page.text
    assert 'action="/surveys"' not in page.text  # no form to fill in vain
    refused = minister.post("/surveys", data=_form(minister, asked_by=str(sweden["lst"])))
    assert refused.status_code == 400  # a ministry user cannot ask on behalf of a länsstyrelse either
    with transaction(engine) as s:
        assert s.scalars(select(Survey)).all() == []


def test_the_command_line_refuses_a_national_survey_and_takes_a_lansstyrelse(engine, sweden, settings, monkeypatch):
    monkeypatch.setattr("relay.cli.survey.settings_or_exit", lambda: settings)
    closes = (date.today() + timedelta(days=30)).isoformat()
    national = CliRunner().invoke(survey_cli, ["create", "--title", "Nationell", "--ministry", "KDD",
                                               "--closes", closes])
    assert national.exit_code == 2 and "the Swedish register has no ministries" in national.output
    own = CliRunner().invoke(survey_cli, ["create", "--title", "Gotland", "--office", sweden["lst_code"],
                                          "--closes", closes])
    assert own.exit_code == 0, own.output
    with transaction(engine) as s:
        assert [(x.title, x.office_id) for x in s.scalars(select(Survey))] == [("Gotland", sweden["lst"])]
