"""Answering a survey through the signed link in the e-mail: no sign-in, in the municipality's written
standard; every submission is kept, and the latest named one is the municipality's answer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from relay.db import transaction
from relay.i18n import translator
from relay.models import Survey, SurveyInvitation, utcnow
from relay.models.surveys import SCALE
from relay.sectors import sector_names
from relay.surveys.answers import (
    AnswerForm,
    answers_by_municipality,
    check,
    is_open,
    municipality_answer,
    save_answer,
)
from relay.surveys.links import read_answer_token
from relay.tokens import TokenError
from relay.web.access import PUBLIC
from relay.web.templating import render, web_languages

router = APIRouter()
ACCESS = {"survey_answer_form": PUBLIC, "survey_answer_save": PUBLIC}


class _InvalidLink(Exception):
    def __init__(self, expired: bool = False):
        super().__init__("invalid link")
        self.expired = expired


def _invitation(request: Request, session, token: str) -> SurveyInvitation:
    try:
        invitation_id = read_answer_token(request.app.state.settings, token)
    except TokenError as exc:
        raise _InvalidLink(exc.expired) from exc
    invitation = session.get(SurveyInvitation, invitation_id)
    if invitation is None:
        raise _InvalidLink()
    return invitation


def _invalid(request: Request, exc: _InvalidLink):
    """The other signed links' page: 404 for a forged, damaged or malformed link, 410 for an expired one."""
    return render(request, "link_invalid.html", {"expired": exc.expired}, status_code=410 if exc.expired else 404)


def _page(request: Request, session, invitation: SurveyInvitation, *, values=None, errors=None, saved=False,
          status_code=200):
    survey = session.get(Survey, invitation.survey_id)
    latest = municipality_answer(answers_by_municipality(session, survey.id).get(invitation.municipality_id, []))
    # The page speaks the municipality's written standard (as the mail did), unless the reader picks a
    # language on the page itself (?lang=).
    asked = request.query_params.get("lang")
    language = asked if asked in web_languages(request.app.state.settings.profile) else invitation.language
    names = sector_names(language)
    return render(request, "survey_answer.html", {
        "lang": language, "t": translator(language),
        "survey": survey, "invitation": invitation, "municipality": invitation.municipality,
        "sectors": [(s, names.get(s, s)) for s in survey.sectors], "scale": SCALE, "open": is_open(survey, utcnow()),
        "values": values or {}, "errors": errors or {}, "saved": saved, "latest": latest}, status_code=status_code)


@router.get("/s/{token}", response_class=HTMLResponse, name="survey_answer_form", include_in_schema=False)
def survey_answer_form(request: Request, token: str):
    try:
        with transaction(request.app.state.engine) as session:
            return _page(request, session, _invitation(request, session, token))
    except _InvalidLink as exc:
        return _invalid(request, exc)


@router.post("/s/{token}", response_class=HTMLResponse, name="survey_answer_save", include_in_schema=False)
async def survey_answer_save(request: Request, token: str):
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in ("responder_name", "useful", "missing", "actions")}
    values.update({f"s-{key[2:]}": str(value) for key, value in form.multi_items() if key.startswith("s-")})
    try:
        with transaction(request.app.state.engine) as session:
            return _save(request, session, _invitation(request, session, token), values)
    except _InvalidLink as exc:
        return _invalid(request, exc)


def _save(request: Request, session, invitation: SurveyInvitation, values: dict):
    """Validate and keep one submission (every one is kept; see relay.surveys.answers)."""
    survey = session.get(Survey, invitation.survey_id)
    if not is_open(survey, utcnow()):
        return _page(request, session, invitation, values=values, errors={"form": "closed"}, status_code=409)
    # ASCII digits only: '²'.isdigit() is True, yet int('²') fails.
    scores = {key[2:]: int(v) if v.isascii() and v.isdigit() and len(v) < 3 else -1
              for key, v in values.items() if key.startswith("s-") and v}
    answer = AnswerForm(responder_name=values["responder_name"], sufficiency=scores, useful=values["useful"],
                        missing=values["missing"], actions=values["actions"])
    errors = check(survey, answer)
    if errors:
        return _page(request, session, invitation, values=values, errors=errors, status_code=400)
    save_answer(session=session, invitation=invitation, form=answer)
    return _page(request, session, invitation, saved=True)
