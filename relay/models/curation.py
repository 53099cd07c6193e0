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
    # manual: typed or read by the governor; apertium: drafted by the button, then seen in the form;
    # machine: filled at approval by Apertium and read by nobody yet ("maskinomsett, ikkje gjennomlese").
    nynorsk_origin: Mapped[str] = mapped_column(String(10), default="manual")  # manual | apertium | machine
    bokmal_origin: Mapped[str] = mapped_column(String(10), default="manual", server_default="manual")
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

    @property
    def unreviewed(self) -> list[str]:
        """The standards whose texts are machine translations nobody has read ("nn", "nb")."""
        return [lang for lang, origin in (("nn", self.nynorsk_origin), ("nb", self.bokmal_origin))
                if origin == "machine"]

    def text(self, field: str, language: str) -> str:
        """title/summary/meaning in the recipient's standard. Approval fills both standards wherever a
        target needs them (relay.standards); the other one is shown only for an alert from before that,
        or on a page (never a mail) where nothing else exists."""
        if language == "nn":
            return getattr(self, f"{field}_nn") or getattr(self, f"{field}_nb")
        return getattr(self, f"{field}_nb") or getattr(self, f"{field}_nn")


class AlertSector(Base):
    __tablename__ = "alert_sector"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True)
    sector: Mapped[str] = mapped_column(String(40), primary_key=True)


class AlertTarget(Base):
    __tablename__ = "alert_target"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True, index=True)
