"""Digest runs, digests, alert assignments, outgoing messages and their attempts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relay.models.base import Base, UtcDateTime, utcnow
from relay.models.contacts import Contact

MESSAGE_STATUSES = (
    "queued", "sending", "sent", "delivered", "temporary-failure", "permanent-failure", "technical-failure",
)
FINAL_STATUSES = ("sent", "delivered", "temporary-failure", "permanent-failure", "technical-failure")


class DigestRun(Base):
    """Planning one period of one frequency; processed_at makes a second run a no-op."""

    __tablename__ = "digest_run"
    __table_args__ = (UniqueConstraint("frequency", "period_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    frequency: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Digest(Base):
    __tablename__ = "digest"
    __table_args__ = (UniqueConstraint("contact_id", "frequency", "period_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    frequency: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    contact: Mapped[Contact] = relationship()


class Assignment(Base):
    """An alert reaches a contact exactly once: in one digest or as one immediate message."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("alert_id", "contact_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    via: Mapped[str] = mapped_column(String(10))  # digest | immediate | fallback
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("digest.id", ondelete="SET NULL"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="SET NULL"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Message(Base):
    """One outgoing e-mail to one recipient; committed before any byte goes to SMTP."""

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose_key: Mapped[str] = mapped_column(String(200), unique=True)  # digest:<id>, alert:<a>:<c>, signin:<address hash>:<n> …
    kind: Mapped[str] = mapped_column(String(20))  # digest | alert | optin | signin | bounce-notice | ops-alert
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"), index=True)
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("digest.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(320))
    envelope_from: Mapped[str] = mapped_column(String(400))
    subject: Mapped[str] = mapped_column(Text)
    message_id_header: Mapped[str] = mapped_column(String(300), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    possible_duplicates: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_reply: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    queue_id: Mapped[str | None] = mapped_column(String(200))
    remote_host: Mapped[str | None] = mapped_column(String(300))

    contact: Mapped[Contact | None] = relationship()
    # The wire form lives in its own row (MessageBody): see there why. `mime` reads and writes it.
    # Loaded with the message (one join), so a message read in a transaction still has its bytes after it:
    # the hot path (batch.py) reads rows, not Message objects, and never pays for this.
    body: Mapped[MessageBody | None] = relationship(cascade="all, delete-orphan", passive_deletes=True,
                                                    lazy="joined")

    @hybrid_property
    def mime(self) -> bytes:
        return self.body.mime if self.body is not None else b""

    @mime.inplace.setter
    def _mime_setter(self, value: bytes) -> None:
        if self.body is None:
            self.body = MessageBody(mime=value)
        else:
            self.body.mime = value

    @mime.inplace.expression
    @classmethod
    def _mime_expression(cls):
        return select(MessageBody.mime).where(MessageBody.message_id == cls.id).scalar_subquery()


class MessageBody(Base):
    """A message's wire form (RFC 5322 bytes, several kB), written once when it is queued and read once
    when it is claimed. Why not a column of message: the sender updates every message row three times
    (claim, attempt, outcome), and on SQLite an UPDATE rewrites the whole row, overflow pages and all;
    with the bytes beside it those writes stay small (migration 0009; the delivery benchmark)."""

    __tablename__ = "message_body"

    message_id: Mapped[int] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"), primary_key=True)
    mime: Mapped[bytes] = mapped_column(LargeBinary)


class Attempt(Base):
    __tablename__ = "attempt"
    __table_args__ = (UniqueConstraint("message_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(20), default="started")  # started | sent | retry | failed
    reply: Mapped[str | None] = mapped_column(Text)


class DomainBudget(Base):
    """The token bucket of one recipient domain, shared by every worker (relay/delivery/budget.py)."""

    __tablename__ = "domain_budget"

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


Index("ix_message_due", Message.status, Message.next_attempt_at)
# Sign-in mails sent to one address lately (relay/outgoing.py: signin_mail_key), without a table scan.
Index("ix_message_to_address_kind", Message.to_address, Message.kind)
