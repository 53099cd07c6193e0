"""Operations: monthly counts of receipt events that retention has aggregated, and the rule that
an incident is open only once.

ReceiptEventMonth has no foreign keys, like the report aggregates: when an alert or a contact goes,
the counts stay (a GDPR erasure must not change last year's figures). Ids of 0 stand for "none".
"""

from __future__ import annotations

from sqlalchemy import Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from relay.models.base import Base
from relay.models.delivery import Message
from relay.models.people import Incident
from relay.models.receipts import ReceiptEvent


class ReceiptEventMonth(Base):
    """Receipt events of one kind, for one alert and municipality, in one month (Norwegian time)."""

    __tablename__ = "receipt_event_month"

    alert_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: the event had no alert
    municipality_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: unknown
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    filtered: Mapped[bool] = mapped_column(Boolean, primary_key=True, default=False)  # bot-filtered clicks
    count: Mapped[int] = mapped_column(Integer, default=0)


# At most one open incident per (kind, subject): a second checker racing the first inserts nothing.
# A partial unique index is the one guarantee that holds on SQLite and PostgreSQL alike.
Index(
    "uq_incident_open", Incident.kind, Incident.subject, unique=True,
    sqlite_where=Incident.closed_at.is_(None), postgresql_where=Incident.closed_at.is_(None),
)

# The bounce-rate alert and the /metrics counters ask "how many of this kind since …" and "how many
# sent since …" every minute; without these they would scan every event and message ever stored.
Index("ix_receipt_event_kind_occurred_at", ReceiptEvent.kind, ReceiptEvent.occurred_at)
Index("ix_message_sent_at", Message.sent_at)
