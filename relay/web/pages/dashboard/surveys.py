"""Surveys for the ministry and the offices: define one, send it, remind, and read the results beside
the same municipalities' reach and acknowledgement figures (CSV/XLSX too)."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from relay import audit
from relay.dates import parse_date, show_date
from relay.db import transaction
from relay.i18n import translator
from relay.models import Organisation, Survey, User
from relay.register_queries import list_ministries
from relay.reports.export import FORMATS, to_csv, to_xlsx
from relay.reports.refresh import ensure_fresh
from relay.reports.tables import fmt
from relay.sectors import sector_names
from relay.surveys.access import may_manage, may_read, may_read_text, office_limit
from relay.surveys.define import OFFICE_KINDS, SurveyDraft, SurveyError, asker_for, check, create_survey
from relay.surveys.results import survey_results
from relay.surveys.send import close_due, remind, send_or_schedule
from relay.web.access import READERS
from relay.web.api_models import Id, small_int
from relay.web.templating import render, request_language

router = APIRouter()
ACCESS = {"surveys": READERS, "survey_create": READERS, "survey_view": READERS, "survey_send": READERS,
          "survey_remind": READERS, "survey_export": READERS}
FIELDS = ("title", "opens_on", "closes_on", "repeat", "asked_by", "office")


def _visible(session, user: User) -> list[Survey]:
    return [s for s in session.scalars(select(Survey).order_by(Survey.opens_on.desc(), Survey.id.desc()))
            if may_read(user, s)]


def _askers(session, user: User, profile: str) -> list[Organisation]:
    """Whom this user may ask on behalf of: its own office or ministry; an administrator any. The
    Swedish profile has no ministries (its register has none): there a ministry user may ask no one."""
    own = asker_for(session, user)
    if own is not None:
        return [session.get(Organisation, own)]
    if user.role == "ministry" or user.role == "admin":
        offices = list(session.scalars(select(Organisation).where(
            Organisation.kind.in_(OFFICE_KINDS), Organisation.profile == profile)
            .order_by(Organisation.name))) if user.role == "admin" else []
        return (list_ministries(session=session) if profile == "no" else []) + offices
    return []


def _list_page(request: Request, session, *, values=None, errors=None, status_code=200):
    user, profile = request.state.user, request.app.state.settings.profile
    today = date.today()
    language = request_language(request)
    values = values or {"opens_on": show_date(today, language), "closes_on": show_date(today + timedelta(days=30), language),
                        "repeat": "once", "sectors": list(sector_names("nb"))}
    return render(request, "surveys.html", {
        "surveys": _visible(session, user), "askers": _askers(session, user, profile), "values": values,
        "no_national": profile != "no" and user.role == "ministry",
        "errors": errors or {}, "sectors": sector_names(request_language(request))}, status_code=status_code)


@router.get("/surveys", response_class=HTMLResponse, name="surveys", include_in_schema=False)
def surveys(request: Request):
    with transaction(request.app.state.engine) as session:
        # Closing is a date, not an event: whoever looks first closes what is past due (and makes next year's).
        close_due(session=session, today=date.today())
    with transaction(request.app.state.engine) as session:
        return _list_page(request, session)


def _date(value: str, name: str, errors: dict) -> date:
    """Typed as the field's hint says (07.12.2026; Swedish 2026-12-07); what was typed stays in the form."""
    day = parse_date(value)
    if day is None:
        errors[name] = "invalid_date"
        return date.min
    return day


@router.post("/surveys", response_class=HTMLResponse, name="survey_create", include_in_schema=False)
async def survey_create(request: Request):
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in FIELDS}
    values["sectors"] = [str(s) for s in form.getlist("sectors")]
    errors: dict[str, str] = {}
    with transaction(request.app.state.engine) as session:
        user = session.get(User, request.state.user.id)
        allowed = {o.id: o for o in _askers(session, user, request.app.state.settings.profile)}
        asker = allowed.get(small_int(values["asked_by"]) or -1) or (next(iter(allowed.values())) if len(allowed) == 1
                                                                     else None)
        if asker is None:
            errors["asked_by"] = "invalid"
        draft = SurveyDraft(title=values["title"], asked_by_id=asker.id if asker else 0,
                            opens_on=_date(values["opens_on"], "opens_on", errors),
                            closes_on=_date(values["closes_on"], "closes_on", errors), sectors=values["sectors"],
                            office_id=(asker.id if asker and asker.kind in OFFICE_KINDS else None),
                            repeat=values["repeat"])
        if not errors:
            errors = check(session, draft, set(sector_names("nb")))
        if errors:
            return _list_page(request, session, values=values, errors=errors, status_code=400)
        survey = create_survey(session=session, draft=draft, known_sectors=set(sector_names("nb")), actor=user)
        audit.record(session=session, actor=user, action="survey.create", entity="survey", entity_id=survey.id,
                     after={"title": survey.title, "asked_by": survey.asked_by_id, "office": survey.office_id},
                     office_id=survey.office_id)
    return RedirectResponse(f"/surveys/{survey.id}", status_code=303)


def _survey(session, request: Request, survey_id: int, *, manage: bool = False) -> Survey:
    survey = session.get(Survey, survey_id)
    if survey is None:
        raise HTTPException(status_code=404, detail="no such survey")
    user = request.state.user
    if not (may_manage(user, survey) if manage else may_read(user, survey)):
        raise HTTPException(status_code=403, detail="forbidden")
    return survey


def _results(request: Request, session, survey: Survey):
    user = request.state.user
    return survey_results(session=session, settings=request.app.state.settings, survey=survey,
                          language=request_language(request), may_read_text=may_read_text(user, survey),
                          office_id=office_limit(user, survey))


@router.get("/surveys/{survey_id}", response_class=HTMLResponse, name="survey_view", include_in_schema=False)
def survey_view(request: Request, survey_id: Id):
    ensure_fresh(request.app.state.engine)
    q = request.query_params
    with transaction(request.app.state.engine) as session:
        survey = _survey(session, request, survey_id)
        return render(request, "survey.html", {
            "survey": survey, "results": _results(request, session, survey), "fmt": fmt,
            "manage": may_manage(request.state.user, survey), "base": f"/surveys/{survey.id}",
            "notice": q.get("notice"), "count": small_int(q.get("n")) or 0, "munis": small_int(q.get("m")) or 0,
            "missing": str(q.get("missing", ""))[:2000], "error": q.get("error")})


async def _act(request: Request, survey_id: int, action) -> Response:
    with transaction(request.app.state.engine) as session:
        survey = _survey(session, request, survey_id, manage=True)
        try:
            report = action(session=session, settings=request.app.state.settings, survey_id=survey.id)
        except SurveyError:
            return RedirectResponse(f"/surveys/{survey.id}?error=not_open", status_code=303)
        audit.record(session=session, actor=session.get(User, request.state.user.id), action=f"survey.{action.__name__}",
                     entity="survey", entity_id=survey.id, after={"mails": report.invitations},
                     office_id=survey.office_id)
    missing = ",".join(report.without_address or [])
    notice = "scheduled" if report.scheduled else "sent" if action is send_or_schedule else "reminded"
    return RedirectResponse(f"/surveys/{survey_id}?notice={notice}"
                            f"&n={report.invitations}&m={report.municipalities}&missing={missing}", status_code=303)


@router.post("/surveys/{survey_id}/send", name="survey_send", include_in_schema=False)
async def survey_send(request: Request, survey_id: Id):
    return await _act(request, survey_id, send_or_schedule)


@router.post("/surveys/{survey_id}/remind", name="survey_remind", include_in_schema=False)
async def survey_remind(request: Request, survey_id: Id):
    return await _act(request, survey_id, remind)


@router.get("/surveys/{survey_id}/{table}.{fmt}", name="survey_export", include_in_schema=False)
def survey_export(request: Request, survey_id: Id, table: str, fmt: str):
    ensure_fresh(request.app.state.engine)
    language = request_language(request)
    with transaction(request.app.state.engine) as session:
        survey = _survey(session, request, survey_id)
        results = _results(request, session, survey)
    tables = {tb.key: tb for tb in results.tables + ([results.free_text] if results.free_text else [])}
    if table not in tables or fmt not in FORMATS:
        raise HTTPException(status_code=404, detail="no such file")
    t = translator(language)
    body = to_csv(tables[table], language).encode("utf-8") if fmt == "csv" else to_xlsx(
        [tables[table]], about=[(t("survey.name"), survey.title), (t("survey.closes_on"), show_date(survey.closes_on, language))],
        about_title=t("archive.overview.about"))
    return Response(body, media_type=FORMATS[fmt], headers={
        "content-disposition": f'attachment; filename="relay-survey-{survey.id}-{table}.{fmt}"'})
