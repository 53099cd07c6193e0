"""The sufficiency survey end to end in-process: defined on the page, sent in each municipality's written
standard with signed links, answered (every answer kept, the latest named one counts), reminded, and
read beside reach and acknowledgement figures, with the free text for the asker only."""

from __future__ import annotations

import email
import re
from datetime import date, timedelta
from email import policy

from sqlalchemy import select

from relay.db import transaction
from relay.models import Message, MessageBody, Survey, SurveyAnswer
from tests.web.conftest import csrf_of


def _mails(engine, kind_prefix: str = "survey:") -> dict[str, email.message.EmailMessage]:
    with transaction(engine) as s:
        rows = s.execute(select(Message.to_address, Message.purpose_key, MessageBody.mime).join(
            MessageBody, MessageBody.message_id == Message.id).where(Message.kind == "survey")).all()
    return {f"{to} {key}": email.message_from_bytes(mime, policy=policy.default) for to, key, mime in rows
            if key.startswith(kind_prefix)}


def _link(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"https://relay\.test(/s/\S+)", text).group(1)


def _create(client, **fields) -> int:
    form = {"title": "Får kommunen nok informasjon?", "opens_on": date.today().isoformat(),
            "closes_on": (date.today() + timedelta(days=30)).isoformat(), "repeat": "yearly",
            "sectors": ["child-welfare", "education"], "csrf_token": csrf_of(client, "/surveys"), **fields}
    created = client.post("/surveys", data=form, follow_redirects=False)
    assert created.status_code == 303, created.text[:400]
    return int(created.headers["location"].rsplit("/", 1)[1])


def test_a_national_survey_is_sent_answered_reminded_and_read(engine, world, signed_in, web):
    minister = signed_in(world.minister)
    survey_id = _create(minister, asked_by=str(world.ministry))
    token = csrf_of(minister, f"/surveys/{survey_id}")
    sent = minister.post(f"/surveys/{survey_id}/send", data={"csrf_token": token})
    assert "Sendt: 3 e-poster til 4 kommuner." in sent.text and "4616" in sent.text  # Tysnes has no address

    mails = _mails(engine)
    assert sorted(k.split()[0] for k in mails) == ["barnevern@voss.kommune.no", "helse@kristiansand.kommune.no",
                                                  "postmottak@bergen.kommune.no"]
    voss = next(m for k, m in mails.items() if k.startswith("barnevern@voss"))
    assert voss["Content-Language"] == "nn" and voss["Subject"] == "Undersøking: får Voss nok informasjon om menneskerettane?"
    bergen = next(m for k, m in mails.items() if k.startswith("postmottak@bergen"))
    assert bergen["Content-Language"] == "nb" and "menneskerettighetene" in bergen["Subject"]
    # Sending again asks nobody twice.
    minister.post(f"/surveys/{survey_id}/send", data={"csrf_token": token})
    assert len(_mails(engine)) == 3

    # Voss answers in nynorsk through its link; a colleague answers again later: both are kept.
    form_page = web.get(_link(voss))
    assert form_page.status_code == 200 and '<html lang="nn">' in form_page.text
    assert "Har kommunen fått tilstrekkeleg informasjon om menneskerettane innan Barnevern?" in form_page.text
    answer = {"responder_name": "Kari Nordmann", "s-child-welfare": "2", "s-education": "4",
              "useful": "Samandraga frå statsforvaltaren.", "missing": "Kurs for tilsette.",
              "actions": "Tok det inn i handlingsplanen.", "csrf_token": csrf_of(web, _link(voss))}
    saved = web.post(_link(voss), data=answer)
    assert saved.status_code == 200 and "Takk! Svaret frå Voss er registrert." in saved.text
    again = web.post(_link(voss), data={**answer, "responder_name": "Ola Nordmann", "s-child-welfare": "3"})
    assert again.status_code == 200
    assert "Kommunen svarte sist" in web.get(_link(voss)).text

    # The reminder goes to those who have not answered (Bergen, Kristiansand), once a day.
    reminded = minister.post(f"/surveys/{survey_id}/remind", data={"csrf_token": token})
    assert "Påminnelse sendt: 2 e-poster til 2 kommuner." in reminded.text
    assert minister.post(f"/surveys/{survey_id}/remind", data={"csrf_token": token}).text.count("Påminnelse sendt: 0")
    reminders = [k.split()[0] for k in _mails(engine) if ":reminder:" in k]
    assert sorted(reminders) == ["helse@kristiansand.kommune.no", "postmottak@bergen.kommune.no"]

    results = minister.get(f"/surveys/{survey_id}")
    assert "1 av 4 kommuner har svart (25 %)." in results.text
    assert "Ola Nordmann" in results.text and "Kari Nordmann" in results.text  # the earlier answer is shown
    assert "Kurs for tilsette." in results.text  # free text for the ministry that asked
    csv = minister.get(f"/surveys/{survey_id}/by_sector.csv").content.decode("utf-8-sig").splitlines()
    assert csv[1:] == ["Barnevern;1;3;0,0", "Barnehage og skole;1;4;100,0"]  # Ola's answer counts for Voss
    by_office = minister.get(f"/surveys/{survey_id}/by_office.csv").content.decode("utf-8-sig").splitlines()
    assert by_office[1:] == ["Statsforvalteren i Agder;1;0;0,0", "Statsforvalteren i Vestland;3;1;33,3"]

    # A governor reads the national survey for its own municipalities, without the free text.
    governor = signed_in(world.governor_a).get(f"/surveys/{survey_id}")
    assert governor.status_code == 200 and "1 av 3 kommuner har svart" in governor.text
    assert "Kurs for tilsette." not in governor.text and "Fritekstsvarene kan bare leses" in governor.text
    assert signed_in(world.governor_a).get(f"/surveys/{survey_id}/free_text.csv").status_code == 404
    assert signed_in(world.governor_b).post(f"/surveys/{survey_id}/remind",
                                            data={"csrf_token": csrf_of(signed_in(world.governor_b))}).status_code == 403
    with transaction(engine) as s:
        assert s.scalar(select(Survey.state).where(Survey.id == survey_id)) == "open"
        assert len(s.scalars(select(SurveyAnswer)).all()) == 2


def test_bad_answers_keep_what_was_typed_and_a_closed_survey_takes_none(engine, world, signed_in, web):
    governor = signed_in(world.governor_a)
    survey_id = _create(governor, asked_by=str(world.office_a))
    governor.post(f"/surveys/{survey_id}/send", data={"csrf_token": csrf_of(governor, f"/surveys/{survey_id}")})
    link = _link(next(iter(_mails(engine).values())))
    token = csrf_of(web, link)
    bad = web.post(link, data={"responder_name": "", "s-child-welfare": "9", "missing": "Kurs", "csrf_token": token})
    assert bad.status_code == 400 and ">Kurs</textarea>" in bad.text and 'aria-invalid="true"' in bad.text
    assert web.post(link, data={"responder_name": "Kari", "s-police": "3", "csrf_token": token}).status_code == 400
    assert web.get("/s/forged-link").status_code == 404
    with transaction(engine) as s:
        s.get(Survey, survey_id).closes_on = date.today() - timedelta(days=1)
    closed = web.post(link, data={"responder_name": "Kari", "csrf_token": token})
    assert closed.status_code == 409
    with transaction(engine) as s:
        assert s.scalars(select(SurveyAnswer)).all() == []


def test_an_office_asks_only_its_own_municipalities(world, signed_in):
    governor = signed_in(world.governor_a)
    form = {"title": "Nasjonal?", "opens_on": date.today().isoformat(), "asked_by": str(world.ministry),
            "closes_on": date.today().isoformat(), "sectors": ["child-welfare"],
            "csrf_token": csrf_of(governor, "/surveys")}
    refused = governor.post("/surveys", data=form)
    assert refused.status_code == 400 and 'value="Nasjonal?"' in refused.text
    assert "Stengedatoen må være etter åpningsdatoen." in refused.text


def test_erasing_a_contact_erases_it_from_surveys_and_keeps_the_figures(engine, world, signed_in, web):
    from relay.ops.privacy import erase_address
    from relay.surveys.answers import answers_by_municipality

    minister = signed_in(world.minister)
    survey_id = _create(minister, asked_by=str(world.ministry))
    minister.post(f"/surveys/{survey_id}/send", data={"csrf_token": csrf_of(minister, f"/surveys/{survey_id}")})
    link = _link(next(m for k, m in _mails(engine).items() if k.startswith("barnevern@voss")))
    web.post(link, data={"responder_name": "Kari Nordmann", "s-education": "5", "csrf_token": csrf_of(web, link),
                         "missing": "Skriv til barnevern@voss.kommune.no om kurs."})
    with transaction(engine) as s:
        erase_address(session=s, email="Barnevern@voss.kommune.no")
    with transaction(engine) as s:
        from relay.models import SurveyInvitation

        assert s.scalar(select(SurveyInvitation.email).where(SurveyInvitation.municipality_id == world.voss)) is None
        (answer,) = answers_by_municipality(s, survey_id)[world.voss]
        assert answer.responder_name == "[erased]" and answer.missing == "Skriv til [erased] om kurs."
        assert answer.sufficiency == {"education": 5}
