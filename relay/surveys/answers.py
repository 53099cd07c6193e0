"""Answers: one row per submission, never overwritten. The municipality's answer is the latest one given
under a responder's name; the others are kept and shown beside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay.models import Survey, SurveyAnswer, SurveyInvitation, utcnow
from relay.models.surveys import SCALE
from relay.surveys.define import SurveyError

MAX_TEXT = 4000
MAX_NAME = 200


@dataclass
class AnswerForm:
    responder_name: str = ""
    sufficiency: dict[str, int] = field(default_factory=dict)  # sector id -> 1..5; absent: not relevant
    useful: str = ""
    missing: str = ""
    actions: str = ""


def check(survey: Survey, form: AnswerForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = form.responder_name.strip()
    if not name or len(name) > MAX_NAME or any(ord(c) < 32 for c in name):
        errors["responder_name"] = "required"
    for sector, value in form.sufficiency.items():
        if sector not in survey.sectors or value not in SCALE:
            errors[f"s-{sector}"] = "invalid"
    for name in ("useful", "missing", "actions"):
        if len(getattr(form, name)) > MAX_TEXT:
            errors[name] = "too_long"
    return errors


def is_open(survey: Survey, now: datetime) -> bool:
    return survey.state == "open" and survey.opens_on <= now.date() <= survey.closes_on


def save_answer(*, session: Session, invitation: SurveyInvitation, form: AnswerForm,
                now: datetime | None = None) -> SurveyAnswer:
    now = now or utcnow()
    survey = session.get(Survey, invitation.survey_id)
    if not is_open(survey, now):
        raise SurveyError("the survey is closed")
    errors = check(survey, form)
    if errors:
        raise SurveyError(", ".join(sorted(errors)))
    answer = SurveyAnswer(survey_id=survey.id, municipality_id=invitation.municipality_id, invitation_id=invitation.id,
                          responder_name=form.responder_name.strip(), sufficiency=dict(form.sufficiency),
                          useful=form.useful.strip(), missing=form.missing.strip(), actions=form.actions.strip(),
                          submitted_at=now)
    session.add(answer)
    session.flush()
    return answer


def answers_by_municipality(session: Session, survey_id: int) -> dict[int, list[SurveyAnswer]]:
    """municipality id → its answers, the one that stands for the municipality first, then the rest newest first."""
    found: dict[int, list[SurveyAnswer]] = {}
    for answer in session.scalars(select(SurveyAnswer).where(SurveyAnswer.survey_id == survey_id)
                                  .order_by(SurveyAnswer.submitted_at.desc(), SurveyAnswer.id.desc())):
        found.setdefault(answer.municipality_id, []).append(answer)
    return {m: sorted(rows, key=lambda a: not a.responder_name) for m, rows in found.items()}


def municipality_answer(rows: list[SurveyAnswer]) -> SurveyAnswer | None:
    """The latest answer given under a responder's name."""
    return next((a for a in rows if a.responder_name), None)
