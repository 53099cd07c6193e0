"""Full text of an item's document: fetched, extracted and structured (sections, numbered paragraphs)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from relay.models.base import Base, JsonType, UtcDateTime, utcnow


class Document(Base):
    """One fetched text per item (and kind: body, legal summary). Re-fetched only when the source says
    it changed (ETag/Last-Modified) — the content hash tells whether re-extraction is needed."""

    __tablename__ = "document"
    __table_args__ = (UniqueConstraint("item_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="body")  # body | legal-summary | translation
    url: Mapped[str] = mapped_column(Text)
    format: Mapped[str | None] = mapped_column(String(10))  # html | docx | pdf
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | ok | failed | empty
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    fetched_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text, default="")  # plain text, the whole document
    structure: Mapped[dict] = mapped_column(JsonType, default=dict)  # sections and numbered paragraphs with offsets
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
