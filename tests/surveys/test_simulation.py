"""The survey over the reports' simulated year for all 357 municipalities: every figure of the results
equals a ground truth computed from the plan alone (who was asked, who answered, the reach ladders)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from relay.db import transaction
from relay.models import Message, Organisation, SurveyInvitation
from relay.reports.refresh import ensure_fresh
from relay.surveys.answers import AnswerForm, save_answer
from relay.surveys.define import SurveyDraft, create_survey
from relay.surveys.results import survey_results
from relay.surveys.send import remind, send_survey
from tests.reports import simulation, truth

SECTORS = ["child-welfare", "education", "health-care"]
OPENS, CLOSES = date(2026, 1, 10), date(2026, 2, 28)


def _mailboxes(world, muni_id: int) -> int:
    people = [c for c in world.contacts.values()
              if c["muni"] == muni_id and c["kind"] != "fallback" and c["status"] == "active"]
    return len(people) or int(f"f{muni_id}" in world.contacts)


def test_the_results_equal_the_plan_for_every_municipality(register, settings):
    engine = register
    with transaction(engine) as s:
        munis = s.scalars(select(Organisation).where(Organisation.kind == "municipality")).all()
        world = simulation.plan_year(munis)
        simulation.write(s, world)
        ministry = Organisation(profile="no", kind="ministry", code="SIM", name="Simuleringsdepartementet")
        s.add(ministry)
        s.flush()
        survey = create_survey(session=s, draft=SurveyDraft(
            title="Nok?", asked_by_id=ministry.id, opens_on=OPENS, closes_on=CLOSES, sectors=SECTORS),
            known_sectors=set(simulation.SECTORS), actor=None)
        survey_id = survey.id
        offices = {o.id: o.name for o in s.scalars(select(Organisation).where(Organisation.kind == "office"))}
    ensure_fresh(engine)
    sent_at = datetime(2026, 1, 12, 8, tzinfo=UTC)
    with transaction(engine) as s:
        report = send_survey(session=s, settings=settings, survey_id=survey_id, now=sent_at)
    boxes = {m: _mailboxes(world, m) for m in world.munis}
    assert report.invitations == sum(boxes.values()) and report.municipalities == 357
    assert sorted(report.without_address) == sorted(world.munis[m]["code"] for m, n in boxes.items() if n == 0)

    # The plan of answers: some municipalities answer, a few twice (the later named answer counts).
    rng, latest = random.Random(23), {}
    with transaction(engine) as s:
        invitations = defaultdict(list)
        for invitation in s.scalars(select(SurveyInvitation).where(SurveyInvitation.survey_id == survey_id)):
            invitations[invitation.municipality_id].append(invitation)
        for muni_id, own in sorted(invitations.items()):
            if rng.random() > 0.4:
                continue
            for n in range(rng.choice((1, 1, 1, 2))):
                scores = {sector: rng.randint(1, 5) for sector in SECTORS if rng.random() < 0.8}
                save_answer(session=s, invitation=rng.choice(own), now=sent_at + timedelta(days=1 + n),
                            form=AnswerForm(responder_name=f"Svarar {n}", sufficiency=scores))
                latest[muni_id] = scores
    with transaction(engine) as s:
        reminded = remind(session=s, settings=settings, survey_id=survey_id, now=sent_at + timedelta(days=10))
    unanswered = [m for m, n in boxes.items() if n and m not in latest]
    assert reminded.municipalities == len(unanswered)
    assert reminded.invitations == sum(boxes[m] for m in unanswered)
    with transaction(engine) as s:
        queued = s.scalar(select(func.count()).select_from(Message).where(Message.kind == "survey"))
    assert queued == sum(boxes.values()) + reminded.invitations

    with transaction(engine) as s:
        result = survey_results(session=s, settings=settings, survey=s.get(type(survey), survey_id), language="nb",
                                may_read_text=True)
        by_office, _, by_sector, rows = result.tables
    assert (result.invited, result.answered) == (357, len(latest)) and 100 < len(latest) < 200
    want_office = defaultdict(lambda: [0, 0])
    for muni_id, m in world.munis.items():
        want_office[offices[m["office"]]][0] += 1
        want_office[offices[m["office"]]][1] += muni_id in latest
    assert {r[0]: r[1:3] for r in by_office.rows} == {k: v for k, v in want_office.items()}
    for sector, row in zip(SECTORS, by_sector.rows, strict=True):
        given = [scores[sector] for scores in latest.values() if sector in scores]
        assert row[1:] == [len(given), round(sum(given) / len(given), 1),
                           round(100 * sum(v >= 4 for v in given) / len(given), 1)]

    # Each municipality's answer beside its reach: the plan's ladders for the year before the survey.
    start = datetime(2026, 1, 10, tzinfo=UTC) - timedelta(days=365)
    pairs = [p for p in truth.pairs(world) if world.alerts[p["alert"]]["approved_at"] >= start]
    assert 0 < len(pairs) < len(truth.pairs(world))  # the window leaves out early January 2025
    ladder = defaultdict(lambda: [0, 0, 0, 0])
    for p in pairs:
        counts = ladder[p["muni"]]
        counts[0] += 1
        counts[1] += p["reached"]
        counts[2] += p["acknowledged"]
        counts[3] += p["follow_up"] in ("will-follow-up", "followed-up")
    codes = {m["code"]: muni_id for muni_id, m in world.munis.items()}
    for row in rows.rows:
        muni_id = codes[row[0].split(" ", 1)[0]]
        targeted, *parts = ladder[muni_id]
        shares = [round(100 * part / targeted, 1) if targeted else None for part in parts]
        assert row[6:] == [targeted, *shares], row[0]
        assert (row[2] != "") == (muni_id in latest)
