"""The public archive: each office's choice of who may read its alerts there, and anonymous counts of
archive page views and feed fetches (a day, a kind, a subject and a number: nothing about the reader)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from relay.models.base import Base, UtcDateTime, utcnow

VISIBILITIES = ("public", "signed-in")
HIT_KINDS = ("page", "feed", "search")


class ArchiveOffice(Base):
    """An office's archive setting; an office without a row publishes (the default is "public")."""

    __tablename__ = "archive_office"

    office_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    visibility: Mapped[str] = mapped_column(String(10), default="public")  # public | signed-in
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ArchiveHit(Base):
    """How often a page or feed was read on a day. Counted, never logged: no address, agent or cookie."""

    __tablename__ = "archive_hit"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # page | feed | search
    subject: Mapped[str] = mapped_column(String(120), primary_key=True)  # "alert:12", "sector:helse", "office:3"
    count: Mapped[int] = mapped_column(Integer, default=0)
