"""Defining a survey: who asks (a ministry nationally, an office for its municipalities), about which
sectors, from when until when, and whether it comes back every year.

In the Swedish profile the office is a länsstyrelse; the Swedish register has no ministries, so there a
survey is always a länsstyrelse's to its own kommuner (a national one is refused, see NO_NATIONAL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from relay.models import Organisation, Survey, User
from relay.models.surveys import REPEATS

MAX_TITLE = 200
OFFICE_KINDS = ("office", "lansstyrelse")  # a Statsforvalter office; a Swedish länsstyrelse
# Why a national survey cannot be asked in the Swedish profile: said by the page and the CLI.
NO_NATIONAL = {"se": "the Swedish register has no ministries: a survey is asked by a länsstyrelse of its "
                     "own kommuner"}


class SurveyError(ValueError):
    """A survey that cannot be defined, sent or answered as asked; the message says why."""


@dataclass
class SurveyDraft:
    title: str
    asked_by_id: int
    opens_on: date
    closes_on: date
    sectors: list[str] = field(default_factory=list)
    office_id: int | None = None  # None: every municipality (a ministry's national survey)
    repeat: str = "once"


def check(session: Session, draft: SurveyDraft, known_sectors: set[str]) -> dict[str, str]:
    """Field → error code; empty when the draft can be saved."""
    errors: dict[str, str] = {}
    if not draft.title.strip() or len(draft.title) > MAX_TITLE:
        errors["title"] = "required"
    if not draft.sectors or not set(draft.sectors) <= known_sectors:
        errors["sectors"] = "required"
    if draft.closes_on <= draft.opens_on:
        errors["closes_on"] = "before_opening"
    if draft.repeat not in REPEATS:
        errors["repeat"] = "invalid"
    asker = session.get(Organisation, draft.asked_by_id)
    if asker is None or asker.kind not in ("ministry", *OFFICE_KINDS):
        errors["asked_by"] = "invalid"
    elif asker.kind in OFFICE_KINDS and draft.office_id != asker.id:
        errors["office"] = "own_office_only"  # an office asks its own municipalities, not the country
    if draft.office_id is not None:
        office = session.get(Organisation, draft.office_id)
        if office is None or office.kind not in OFFICE_KINDS:
            errors["office"] = "invalid"
    return errors


def create_survey(*, session: Session, draft: SurveyDraft, known_sectors: set[str], actor: User | None) -> Survey:
    errors = check(session, draft, known_sectors)
    if errors:
        raise SurveyError(", ".join(f"{k}: {v}" for k, v in sorted(errors.items())))
    survey = Survey(title=draft.title.strip(), asked_by_id=draft.asked_by_id, office_id=draft.office_id,
                    sectors=[s for s in draft.sectors], opens_on=draft.opens_on, closes_on=draft.closes_on,
                    repeat=draft.repeat, state="draft", created_by_user_id=actor.id if actor else None)
    session.add(survey)
    session.flush()
    return survey


def asker_for(session: Session, user: User) -> int | None:
    """The organisation a user asks on behalf of: a governor's office, a ministry user's ministry."""
    if user.role == "governor":
        return user.office_id
    if user.role == "ministry":
        return user.organisation_id
    return None


def next_year(survey: Survey) -> SurveyDraft:
    """The same survey a year later (for repeat = yearly)."""
    return SurveyDraft(title=survey.title, asked_by_id=survey.asked_by_id, office_id=survey.office_id,
                       sectors=list(survey.sectors), opens_on=_plus_year(survey.opens_on),
                       closes_on=_plus_year(survey.closes_on), repeat=survey.repeat)


def _plus_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)
