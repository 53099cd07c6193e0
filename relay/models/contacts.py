"""Municipal contacts and their sector subscriptions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relay.models.base import Base, UtcDateTime, utcnow
from relay.models.register import Organisation

FREQUENCIES = ("immediate", "weekly", "monthly")


class Contact(Base):
    """A mailbox at a municipality: a person, a function, or the fallback postmottak."""

    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("email", "municipality_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320))  # as typed (domain lower-cased); None once erased
    name: Mapped[str] = mapped_column(String(200), default="")
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="person")  # person | function | fallback
    status: Mapped[str] = mapped_column(String(14), default="pending")  # pending | active | bouncing | unsubscribed | erased
    language: Mapped[str | None] = mapped_column(String(2))  # chosen standard where the municipality is neutral
    hard_bounces: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    municipality: Mapped[Organisation] = relationship()
    subscriptions: Mapped[list[Subscription]] = relationship(back_populates="contact", cascade="all, delete-orphan")


# Addresses are compared without regard to case (contacts.same_address): the index serves those lookups.
Index("ix_contact_email_lower", func.lower(Contact.email))


class Subscription(Base):
    __tablename__ = "subscription"
    __table_args__ = (UniqueConstraint("contact_id", "sector"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    sector: Mapped[str] = mapped_column(String(40), index=True)
    frequency: Mapped[str] = mapped_column(String(10), default="weekly")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    contact: Mapped[Contact] = relationship(back_populates="subscriptions")
