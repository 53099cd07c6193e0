"""Sources, the items they yield, their aliases and recorded changes, and sector tags."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relay.models.base import Base, JsonType, UtcDateTime, utcnow


class Source(Base):
    """One configured feed or query, and its health. Scheduling state lives here (C3)."""

    __tablename__ = "source"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(40))  # a name in feeds.COLLECTORS
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict] = mapped_column(JsonType, default=dict)
    origin: Mapped[str] = mapped_column(String(10), default="config")  # config | admin
    interval_minutes: Mapped[int] = mapped_column(Integer, default=360)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    next_check_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error_count: Mapped[int] = mapped_column(Integer, default=0)  # consecutive failures
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    cursor: Mapped[str | None] = mapped_column(Text)  # e.g. the last kpdate seen, for incremental windows
    items_last_run: Mapped[int] = mapped_column(Integer, default=0)
    items_rejected_last_run: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SourceRun(Base):
    __tablename__ = "source_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    not_modified: Mapped[bool] = mapped_column(Boolean, default=False)
    items_found: Mapped[int] = mapped_column(Integer, default=0)
    items_new: Mapped[int] = mapped_column(Integer, default=0)
    items_updated: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[list] = mapped_column(JsonType, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    items_rejected: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    items_deferred: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))  # new items left for the next run
    rejected: Mapped[list | None] = mapped_column(JsonType, default=list)  # [{"record": …, "reason": …}], the first 200


class Item(Base):
    """One document (or one recommendation paragraph), normalised."""

    __tablename__ = "item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)  # ECLI+lang, UN symbol, AnnotationId, guid
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # judgment, decision, concluding-observations, recommendation, report, news
    body: Mapped[str | None] = mapped_column(String(40))  # issuing body: ECHR, CRC, ESC, ECRI …
    title: Mapped[str] = mapped_column(Text)
    date: Mapped[date | None] = mapped_column(Date, index=True)
    date_raw: Mapped[str | None] = mapped_column(String(100))
    date_plausible: Mapped[bool] = mapped_column(Boolean, default=True)
    states: Mapped[str] = mapped_column(String(200), default="")  # ;-joined ISO alpha-3 (NOR;SWE)
    language: Mapped[str | None] = mapped_column(String(10))
    url: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")  # sanitised plain text: excerpt or description
    meta: Mapped[dict] = mapped_column(JsonType, default=dict)  # source fields kept for tagging
    group_key: Mapped[str | None] = mapped_column(String(300), index=True)  # ECLI, DocumentId, base symbol
    # Another language version of the entry it points at (relay/store/versions.py); NULL: an entry itself.
    primary_item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id", ondelete="SET NULL"), index=True)
    parent_item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    key_case: Mapped[bool] = mapped_column(Boolean, default=False)
    relevant: Mapped[bool] = mapped_column(Boolean, default=True)  # relevance gate: Norway or key case
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    tagged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    source: Mapped[Source | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(back_populates="item", cascade="all, delete-orphan")
    aliases: Mapped[list[ItemAlias]] = relationship(back_populates="item", cascade="all, delete-orphan")


class ItemAlias(Base):
    """Other keys the same item is known by (HUDOC itemid seen in RSS, UN recid …)."""

    __tablename__ = "item_alias"

    alias: Mapped[str] = mapped_column(String(300), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)

    item: Mapped[Item] = relationship(back_populates="aliases")


class ItemChange(Base):
    __tablename__ = "item_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    changes: Mapped[dict] = mapped_column(JsonType, default=dict)  # field -> [before, after]


class Tag(Base):
    """Item × sector with its evidence. origin: rule | human. A human removal is kept as removed=True."""

    __tablename__ = "tag"
    __table_args__ = (UniqueConstraint("item_id", "sector"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    sector: Mapped[str] = mapped_column(String(40), index=True)
    origin: Mapped[str] = mapped_column(String(10), default="rule")
    score: Mapped[float] = mapped_column(Float, default=0.0)
    evidence: Mapped[list] = mapped_column(JsonType, default=list)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    set_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    item: Mapped[Item] = relationship(back_populates="tags")


class AlertParagraph(Base):
    """A recommendation paragraph an office chose to send with its alert on the paragraph's document."""

    __tablename__ = "alert_paragraph"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), primary_key=True)


Index("ix_item_relevant_first_seen", Item.relevant, Item.first_seen_at)
