"""An office's review of an item, and the alert that approval creates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relay.models.base import Base, UtcDateTime, utcnow
from relay.models.items import Item
from relay.models.register import Organisation


class Review(Base):
    """One office's decision on one item: new → approved | rejected."""

    __tablename__ = "review"
    __table_args__ = (UniqueConstraint("item_id", "office_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    state: Mapped[str] = mapped_column(String(12), default="new")  # new | approved | rejected
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class Alert(Base):
    """An item approved by an office for its municipalities."""

    __tablename__ = "alert"
    __table_args__ = (UniqueConstraint("item_id", "office_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    title_nb: Mapped[str] = mapped_column(Text)
    title_nn: Mapped[str] = mapped_column(Text, default="")
    summary_nb: Mapped[str] = mapped_column(Text, default="")
    summary_nn: Mapped[str] = mapped_column(Text, default="")
    meaning_nb: Mapped[str] = mapped_column(Text, default="")  # what this means for municipalities
    meaning_nn: Mapped[str] = mapped_column(Text, default="")
    nynorsk_origin: Mapped[str] = mapped_column(String(10), default="manual")  # apertium | manual
    priority: Mapped[str] = mapped_column(String(10), default="normal")  # urgent | normal
    ack_deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | withdrawn
    approved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # immediate fan-out done

    item: Mapped[Item] = relationship()
    office: Mapped[Organisation] = relationship()
    sectors: Mapped[list[AlertSector]] = relationship(cascade="all, delete-orphan")
    targets: Mapped[list[AlertTarget]] = relationship(cascade="all, delete-orphan")

    @property
    def sector_ids(self) -> list[str]:
        return [s.sector for s in self.sectors]

    def text(self, field: str, language: str) -> str:
        """title/summary/meaning in nb or nn; nynorsk falls back to bokmål only when empty."""
        if language == "nn":
            return getattr(self, f"{field}_nn") or getattr(self, f"{field}_nb")
        return getattr(self, f"{field}_nb")


class AlertSector(Base):
    __tablename__ = "alert_sector"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True)
    sector: Mapped[str] = mapped_column(String(40), primary_key=True)


class AlertTarget(Base):
    __tablename__ = "alert_target"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True, index=True)
