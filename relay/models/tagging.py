"""Governors' sector decisions kept as labels: who added or removed which sector on which item, and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from relay.models.base import Base, UtcDateTime, utcnow


class TagLabel(Base):
    """One decision, never updated: the latest per (item, sector) is the label `relay tag train` reads.

    source: "queue" (a sector added or removed on the item page) or "alert" (the sectors chosen at
    approval differ from the item's tags).
    """

    __tablename__ = "tag_label"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    sector: Mapped[str] = mapped_column(String(40))
    present: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(10), default="queue")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
