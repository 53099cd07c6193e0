"""The sufficiency survey: who asked, whom it went to, and every answer a municipality gave."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relay.models.base import Base, JsonType, UtcDateTime, utcnow
from relay.models.register import Organisation

SURVEY_STATES = ("draft", "scheduled", "open", "closed")
REPEATS = ("once", "yearly")
SCALE = (1, 2, 3, 4, 5)  # 1 = far from enough … 5 = fully sufficient; no answer = not relevant


class Survey(Base):
    """A ministry's (national) or an office's (its municipalities) survey with a closing date."""

    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)  # ministry or office
    office_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)  # None: national
    sectors: Mapped[list] = mapped_column(JsonType, default=list)  # sector ids asked about
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    repeat: Mapped[str] = mapped_column(String(10), default="once")  # once | yearly
    state: Mapped[str] = mapped_column(String(10), default="draft")  # draft | scheduled | open | closed
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    next_survey_id: Mapped[int | None] = mapped_column(ForeignKey("survey.id", ondelete="SET NULL"))

    asked_by: Mapped[Organisation] = relationship(foreign_keys=[asked_by_id])
    office: Mapped[Organisation | None] = relationship(foreign_keys=[office_id])


class SurveyInvitation(Base):
    """One mailbox asked on behalf of its municipality (a contact, or the postmottak when it has none)."""

    __tablename__ = "survey_invitation"
    __table_args__ = (UniqueConstraint("survey_id", "municipality_id", "email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    email: Mapped[str | None] = mapped_column(String(320))  # None once the contact is erased
    language: Mapped[str] = mapped_column(String(2), default="nb")  # the municipality's written standard
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reminders: Mapped[int] = mapped_column(Integer, default=0)

    municipality: Mapped[Organisation] = relationship()


class SurveyAnswer(Base):
    """One submitted answer. Never overwritten: a later answer is another row, and the municipality's
    answer is the latest one given under a responder's name."""

    __tablename__ = "survey_answer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("survey_invitation.id", ondelete="SET NULL"))
    responder_name: Mapped[str] = mapped_column(String(200), default="")
    sufficiency: Mapped[dict] = mapped_column(JsonType, default=dict)  # sector id -> 1..5
    useful: Mapped[str] = mapped_column(Text, default="")
    missing: Mapped[str] = mapped_column(Text, default="")
    actions: Mapped[str] = mapped_column(Text, default="")  # what the municipality did with it
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
