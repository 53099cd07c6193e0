"""Receipt events (facts with evidence), acknowledgements and raw inbound reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from relay.models.base import Base, JsonType, UtcDateTime, utcnow

EVENT_KINDS = (
    "accepted", "deferred", "bounced", "delivered", "read", "clicked", "acknowledged", "unsubscribed", "image-loaded",
)
FOLLOW_UPS = ("not-relevant", "noted", "will-follow-up", "followed-up")


class ReceiptEvent(Base):
    """What happened to a message, or to one alert inside it. Never overwritten; dedupe_key makes it idempotent."""

    __tablename__ = "receipt_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="SET NULL"), index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    filtered: Mapped[str | None] = mapped_column(String(40))  # why a click was judged a bot (kept, not hidden)
    evidence: Mapped[dict] = mapped_column(JsonType, default=dict)
    raw_report_id: Mapped[int | None] = mapped_column(ForeignKey("raw_report.id", ondelete="SET NULL"))


class Acknowledgement(Base):
    """An explicit "Mottatt"/"Motteke" for one alert by one contact, with its optional follow-up."""

    __tablename__ = "acknowledgement"
    __table_args__ = (UniqueConstraint("alert_id", "contact_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    acknowledged_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    follow_up: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RawReport(Base):
    """An inbound DSN or MDN as received, kept for a configurable number of days."""

    __tablename__ = "raw_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(10))  # imap | smtp
    kind: Mapped[str] = mapped_column(String(10))  # dsn | mdn | other
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="SET NULL"))
    parsed: Mapped[dict] = mapped_column(JsonType, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    purged: Mapped[bool] = mapped_column(Boolean, default=False)


Index("ix_receipt_event_alert_kind", ReceiptEvent.alert_id, ReceiptEvent.kind)
