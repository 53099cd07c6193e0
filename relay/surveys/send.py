"""Sending a survey to each municipality in its scope, and reminding those that have not answered.

Each municipality is asked through its active contacts, or through its postmottak when it has none,
in its written standard (relay.register.written_standard). Every mail is an outbox message with its
own purpose key, so sending or reminding twice on the same day queues nothing new."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay.delivery.outbox import enqueue
from relay.mail.compose import build_message
from relay.mail.sender import municipality_name
from relay.models import Contact, Organisation, Survey, SurveyAnswer, SurveyInvitation, utcnow
from relay.register import list_municipalities, written_standard
from relay.settings import Settings
from relay.surveys.define import SurveyError
from relay.surveys.links import answer_url

KIND = "survey"


@dataclass
class SendReport:
    municipalities: int = 0
    invitations: int = 0  # mails queued by this call
    without_address: list[str] | None = None  # municipality codes with neither contact nor postmottak
    scheduled: bool = False  # not sent yet: it goes out by itself on its opening day


def _mailboxes(session: Session, municipality: Organisation) -> list[tuple[int | None, str, str | None]]:
    """(contact id, address, the contact's chosen language) of everyone to ask for this municipality:
    its people and functions; else its postmottak (the fallback contact, or the register's address)."""
    contacts = session.scalars(select(Contact).where(
        Contact.municipality_id == municipality.id, Contact.status == "active", Contact.email.is_not(None))
        .order_by(Contact.id)).all()
    people = [c for c in contacts if c.kind != "fallback"]
    if people:
        return [(c.id, c.email, c.language) for c in people]
    fallback = next((c for c in contacts if c.kind == "fallback"), None)
    if fallback is not None:
        return [(fallback.id, fallback.email, fallback.language)]
    if municipality.fallback_email:
        return [(None, municipality.fallback_email, None)]
    return []


def _language(municipality: Organisation, chosen: str | None) -> str:
    """Swedish to a kommun; a Norwegian municipality's written standard (språklova), as the digests do."""
    return "sv" if municipality.profile == "se" else written_standard(municipality, chosen)


def _queue(session: Session, settings: Settings, survey: Survey, invitation: SurveyInvitation,
           municipality: Organisation, *, reminder: bool, today: date) -> None:
    contact = session.get(Contact, invitation.contact_id) if invitation.contact_id else None
    purpose = f"survey:{survey.id}:{invitation.id}:{'reminder:' + today.isoformat() if reminder else 'invitation'}"
    composed = build_message(KIND, to=invitation.email, language=invitation.language, settings=settings,
                             message_key=purpose, context={
                                 "recipient_name": contact.name if contact else "",
                                 "municipality_name": municipality_name(municipality), "asked_by_name": survey.asked_by.name,
                                 "survey_title": survey.title, "closes_on": survey.closes_on.isoformat(),
                                 "answer_url": answer_url(settings, invitation_id=invitation.id),
                                 "reminder": reminder})
    enqueue(session=session, purpose_key=purpose, kind=KIND, to_address=invitation.email,
            envelope_from=composed.envelope_from, message=composed.message, subject=composed.subject,
            message_id_header=composed.message_id, contact_id=invitation.contact_id)


def scope(session: Session, settings: Settings, survey: Survey) -> list[Organisation]:
    return list_municipalities(session=session, office_id=survey.office_id, profile=settings.profile)


def send_survey(*, session: Session, settings: Settings, survey_id: int, now: datetime | None = None) -> SendReport:
    """Invite every municipality in scope; a municipality or mailbox added since is invited on the next call."""
    now = now or utcnow()
    survey = session.get(Survey, survey_id)
    if survey is None:
        raise SurveyError(f"no survey {survey_id}")
    if survey.state == "closed" or now.date() > survey.closes_on:
        raise SurveyError("the survey is closed")
    if now.date() < survey.opens_on:
        raise SurveyError(f"the survey opens on {survey.opens_on.isoformat()}")
    report = SendReport(without_address=[])
    known = {(i.municipality_id, (i.email or "").lower()) for i in session.scalars(
        select(SurveyInvitation).where(SurveyInvitation.survey_id == survey.id))}
    for municipality in scope(session, settings, survey):
        report.municipalities += 1
        boxes = _mailboxes(session, municipality)
        if not boxes:
            report.without_address.append(municipality.code)
        for contact_id, address, chosen in boxes:
            if (municipality.id, address.lower()) in known:
                continue
            invitation = SurveyInvitation(survey_id=survey.id, municipality_id=municipality.id, contact_id=contact_id,
                                          email=address, language=_language(municipality, chosen), sent_at=now)
            session.add(invitation)
            session.flush()
            _queue(session, settings, survey, invitation, municipality, reminder=False, today=now.date())
            report.invitations += 1
    survey.state, survey.sent_at = "open", survey.sent_at or now
    return report


def answered_municipalities(session: Session, survey_id: int) -> set[int]:
    return set(session.scalars(select(SurveyAnswer.municipality_id).where(SurveyAnswer.survey_id == survey_id)))


def remind(*, session: Session, settings: Settings, survey_id: int, now: datetime | None = None) -> SendReport:
    """A reminder to every mailbox of every municipality that has not answered (at most one a day)."""
    now = now or utcnow()
    survey = session.get(Survey, survey_id)
    if survey is None:
        raise SurveyError(f"no survey {survey_id}")
    if survey.state != "open" or now.date() > survey.closes_on:
        raise SurveyError("only an open survey can be reminded of")
    answered = answered_municipalities(session, survey.id)
    report, reminded = SendReport(without_address=[]), set()
    for invitation in session.scalars(select(SurveyInvitation).where(
            SurveyInvitation.survey_id == survey.id, SurveyInvitation.email.is_not(None))
            .order_by(SurveyInvitation.id)):
        if invitation.municipality_id in answered:
            continue
        if invitation.reminded_at is not None and invitation.reminded_at.date() == now.date():
            continue
        _queue(session, settings, survey, invitation, invitation.municipality, reminder=True, today=now.date())
        invitation.reminded_at, invitation.reminders = now, invitation.reminders + 1
        reminded.add(invitation.municipality_id)
        report.invitations += 1
    report.municipalities = len(reminded)
    return report


def send_or_schedule(*, session: Session, settings: Settings, survey_id: int,
                     now: datetime | None = None) -> SendReport:
    """Send now, or, before the opening day, mark it to be sent by the scheduler on that day."""
    now = now or utcnow()
    survey = session.get(Survey, survey_id)
    if survey is not None and survey.state == "draft" and now.date() < survey.opens_on:
        survey.state = "scheduled"
        return SendReport(without_address=[], scheduled=True)
    return send_survey(session=session, settings=settings, survey_id=survey_id, now=now)


def send_due(*, session: Session, settings: Settings, now: datetime | None = None) -> list[int]:
    """Send every scheduled survey whose opening day has come (the scheduler's tick)."""
    now = now or utcnow()
    due = session.scalars(select(Survey.id).where(Survey.state == "scheduled", Survey.opens_on <= now.date(),
                                                  Survey.closes_on >= now.date())).all()
    for survey_id in due:
        send_survey(session=session, settings=settings, survey_id=survey_id, now=now)
    return list(due)


def close_due(*, session: Session, today: date) -> list[int]:
    """Close surveys past their closing date. A yearly one that was sent gets next year's, scheduled to go
    out on its own opening day; one never sent gets a draft."""
    from relay.sectors import sector_ids
    from relay.surveys.define import create_survey, next_year

    closed = []
    for survey in session.scalars(select(Survey).where(Survey.state != "closed", Survey.closes_on < today)):
        was_sent = survey.state == "open"
        survey.state = "closed"
        if survey.repeat == "yearly" and survey.next_survey_id is None:
            following = create_survey(session=session, draft=next_year(survey), known_sectors=set(sector_ids()),
                                      actor=None)
            following.state = "scheduled" if was_sent else "draft"
            survey.next_survey_id = following.id
        closed.append(survey.id)
    return closed
