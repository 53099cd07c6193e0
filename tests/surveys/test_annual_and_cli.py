"""The annual chapter (surveys, archive reach without personal data, follow-up share) and `relay survey`."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from relay.archive.counts import count_hit
from relay.cli.survey import survey as survey_cli
from relay.db import transaction
from relay.models import Message, Survey, SurveyInvitation
from relay.reports.annual import annual_report, render_html, render_pdf
from relay.surveys.answers import AnswerForm, save_answer
from relay.surveys.send import close_due


@pytest.fixture
def run(settings, monkeypatch):
    monkeypatch.setattr("relay.cli.survey.settings_or_exit", lambda: settings)

    def invoke(*args):
        result = CliRunner().invoke(survey_cli, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    return invoke


def test_the_command_line_creates_sends_reminds_and_reads(engine, world, run):
    closes = (date.today() + timedelta(days=20)).isoformat()
    survey_id = int(run("create", "--title", "Nok informasjon 2026", "--ministry", "KDD", "--closes", closes,
                        "--sector", "child-welfare", "--sector", "education").strip())
    assert "sent: 3 e-mails to 4 municipalities" in run("send", str(survey_id))
    with transaction(engine) as s:
        voss = s.scalars(select(SurveyInvitation).where(SurveyInvitation.municipality_id == world.voss)).one()
        save_answer(session=s, invitation=voss, form=AnswerForm(responder_name="Kari", sufficiency={"education": 5},
                                                                 missing="Kurs for tilsette."))
    assert "reminded: 2 e-mails to 2 municipalities" in run("remind", str(survey_id))
    text = run("results", str(survey_id), "--lang", "nn")
    assert "Svar per statsforvaltar" in text and "Kurs for tilsette." in text
    assert re.search(r"Statsforvalteren i Vestland\s+3\s+1\s+33,3", text)
    with transaction(engine) as s:
        assert s.scalar(select(Message.id).where(Message.kind == "survey").limit(1)) is not None
    refused = CliRunner().invoke(survey_cli, ["create", "--title", "x", "--office", "974760665", "--closes",
                                              date.today().isoformat()])
    assert refused.exit_code == 2 and "closes_on" in refused.output


def test_a_closed_yearly_survey_makes_next_years(engine, world, run):
    survey_id = int(run("create", "--title", "Årleg", "--office", "974760665", "--closes",
                        (date.today() + timedelta(days=5)).isoformat(), "--yearly").strip())
    with transaction(engine) as s:
        assert close_due(session=s, today=date.today() + timedelta(days=6)) == [survey_id]
        closed = s.get(Survey, survey_id)
        following = s.get(Survey, closed.next_survey_id)
        assert closed.state == "closed" and following.state == "draft"
        assert following.opens_on == closed.opens_on.replace(year=closed.opens_on.year + 1)
        assert close_due(session=s, today=date.today() + timedelta(days=6)) == []


def test_the_annual_report_has_the_chapter_on_sufficiency_knowledge_and_follow_up(engine, world, run):
    closes = (date.today() + timedelta(days=20)).isoformat()
    survey_id = int(run("create", "--title", "Nok informasjon", "--ministry", "KDD", "--closes", closes).strip())
    run("send", str(survey_id))
    with transaction(engine) as s:
        voss = s.scalars(select(SurveyInvitation).where(SurveyInvitation.municipality_id == world.voss)).one()
        save_answer(session=s, invitation=voss, form=AnswerForm(responder_name="Kari", sufficiency={"education": 3}))
        for _ in range(3):
            count_hit(session=s, kind="page", subject="alert:1")
        count_hit(session=s, kind="feed", subject="sector/education")
    with transaction(engine) as s:
        report = annual_report(session=s, year=date.today().year, language="nn")
    chapter = report.chapters["knowledge"]
    assert chapter["surveys"] == [{"title": "Nok informasjon", "invited": 4, "answered": 1, "rate": 25.0,
                                   "score": 3.0}]
    assert (chapter["page_views"], chapter["feed_fetches"], chapter["feeds_daily"]) == (3, 1, 1)
    html = render_html(report, for_pdf=True)  # the markup WeasyPrint prints
    assert "Nok informasjon, kunnskap og oppfølging" in html
    assert "Nok informasjon: 1 av 4 kommunar svarte (25 %); snitt 3 av 5." in html
    assert render_pdf(report).startswith(b"%PDF")


def test_a_survey_sent_before_it_opens_goes_out_on_its_opening_day_and_comes_back_next_year(engine, world, run,
                                                                                             settings):
    from relay.surveys.schedule import tick
    from relay.surveys.send import send_due

    opens = date.today() + timedelta(days=3)
    survey_id = int(run("create", "--title", "Årleg", "--ministry", "KDD", "--opens", opens.isoformat(),
                        "--closes", (opens + timedelta(days=20)).isoformat(), "--yearly").strip())
    assert "scheduled: it is sent on its opening day" in run("send", str(survey_id))
    with transaction(engine) as s:
        assert s.get(Survey, survey_id).state == "scheduled"
        assert send_due(session=s, settings=settings) == []  # not yet
        assert s.scalar(select(Message.id).where(Message.kind == "survey")) is None
    on_the_day = datetime.combine(opens, datetime.min.time(), tzinfo=UTC) + timedelta(hours=7)
    with transaction(engine) as s:
        assert send_due(session=s, settings=settings, now=on_the_day) == [survey_id]
        assert s.get(Survey, survey_id).state == "open"
        assert len(s.scalars(select(Message).where(Message.kind == "survey")).all()) == 3
    with transaction(engine) as s:
        close_due(session=s, today=opens + timedelta(days=21))
        following = s.get(Survey, s.get(Survey, survey_id).next_survey_id)
        assert following.state == "scheduled" and following.opens_on == opens.replace(year=opens.year + 1)
    tick(engine=engine, settings=settings)  # the scheduler's job: nothing is due today
    with transaction(engine) as s:
        assert s.get(Survey, following.id).state == "scheduled"
