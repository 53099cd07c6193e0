"""Incremental report aggregates: the reach ladder per alert × municipality, and roll-ups of it.

Nothing here is a source of truth, and nothing has a foreign key: when an alert is deleted its
rows must survive until refresh has subtracted them from the roll-ups. Every row is recomputed from alerts, assignments, messages,
receipt events and acknowledgements by relay.reports.refresh, and `relay report rebuild` can throw
it all away and start again. The roll-ups exist so the national dashboard reads a few thousand
cells instead of millions of receipt events (docs/reports.md, "Method").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from relay.models.base import Base, UtcDateTime
from relay.models.receipts import Acknowledgement, ReceiptEvent

# The counters every roll-up carries (docs/reports.md defines each). "reached" is handed over + confirmed;
# the rungs from not_sent_gap to confirmed count each pair exactly once (relay.reports.evidence), and
# "direct" is the part of handed_over that rests on the municipality's own server's acceptance.
RUNGS = ("not_sent_gap", "not_sent_due", "failed", "local", "in_progress", "handed_over", "confirmed")
LADDER = ("targeted", "sent", "reached", "delivered", "bounced", "clicked", "clicks", "bot_clicks", "acknowledged",
          "fu_not_relevant", "fu_noted", "fu_will_follow_up", "fu_followed_up", *RUNGS, "direct")


class ReportState(Base):
    """One row: how far refresh has read each source table (ids; times for acknowledgement edits)."""

    __tablename__ = "report_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)  # bumped first: serialises refreshers
    event_id: Mapped[int] = mapped_column(Integer, default=0)
    assignment_id: Mapped[int] = mapped_column(Integer, default=0)
    message_id: Mapped[int] = mapped_column(Integer, default=0)
    ack_updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    alerts_fingerprint: Mapped[str] = mapped_column(String(100), default="")
    # Contacts and subscriptions as counted: a change re-reads the reasons of pairs not sent (gap / not yet due).
    routes_fingerprint: Mapped[str] = mapped_column(String(100), default="", server_default="")
    refreshed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ReportAlert(Base):
    """The alert as the aggregates last counted it, with its own totals (for alert lists)."""

    __tablename__ = "report_alert"

    alert_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(Integer)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM of approval, Norwegian time
    body: Mapped[str] = mapped_column(String(40), default="")
    sectors: Mapped[str] = mapped_column(Text, default="")  # space-separated sector ids
    approved_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(12), default="active")
    targeted: Mapped[int] = mapped_column(Integer, default=0)
    reached: Mapped[int] = mapped_column(Integer, default=0)  # handed over or confirmed
    acknowledged: Mapped[int] = mapped_column(Integer, default=0)
    confirmed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    not_reached: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # failed or not sent


class ReportReach(Base):
    """The ladder of one targeted municipality for one alert: first time of each rung, and counts."""

    __tablename__ = "report_reach"

    alert_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    office_id: Mapped[int] = mapped_column(Integer)
    county_id: Mapped[int] = mapped_column(Integer)  # 0: the municipality has no county in the register
    month: Mapped[str] = mapped_column(String(7))
    body: Mapped[str] = mapped_column(String(40), default="")
    approved_at: Mapped[datetime] = mapped_column(UtcDateTime)
    contacts: Mapped[int] = mapped_column(Integer, default=0)  # assignments (contacts chosen for the alert)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # first message queued
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    bounced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    bounces: Mapped[int] = mapped_column(Integer, default=0)  # messages with a bounce
    clicks: Mapped[int] = mapped_column(Integer, default=0)  # human clicks (bot-filtered excluded)
    bot_clicks: Mapped[int] = mapped_column(Integer, default=0)
    clicked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acks: Mapped[int] = mapped_column(Integer, default=0)  # contacts who acknowledged
    follow_up: Mapped[str | None] = mapped_column(String(20))
    rung: Mapped[str] = mapped_column(String(12), default="not-sent", server_default="not-sent")  # evidence.ORDER
    reason: Mapped[str | None] = mapped_column(String(12))  # not sent: gap | not-yet-due
    acceptance: Mapped[str | None] = mapped_column(String(10))  # smarthost | direct
    settles_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the quiet period ends: look again


# Each roll-up row is stored at several grains: a grain says which of county, issuing body, sector
# and office the row keeps (bits below); a dimension a grain drops holds ALL / ALL_ID. A query reads
# the one grain its filters and grouping need, so the unfiltered dashboard reads month rows (× the
# grouped dimension), not the whole cube (county × body × sector × office), which grows with the
# data long before it saturates. A grain that keeps the county keeps the office too: a county
# belongs to one office (almost always), so dropping the office there would save nothing.
GRAIN_COUNTY, GRAIN_BODY, GRAIN_SECTOR, GRAIN_OFFICE = 1, 2, 4, 8
GRAINS = tuple(g for g in range(16) if not (g & GRAIN_COUNTY and not g & GRAIN_OFFICE))
ALL = "*"  # body or sector not kept at this grain
ALL_ID = -1  # county or office not kept (county 0 is a real value: the municipality has no county)


class ReportCell(Base):
    """Ladder counters per grain (GRAINS) × sector × body × county × office × approval month.

    sector "*" holds each alert × municipality once; the per-sector rows (grains with the sector
    bit) count it once per sector of the alert, so sector rows must never be added to "*" rows."""

    __tablename__ = "report_cell"

    grain: Mapped[int] = mapped_column(Integer, primary_key=True)
    sector: Mapped[str] = mapped_column(String(40), primary_key=True)
    body: Mapped[str] = mapped_column(String(40), primary_key=True)
    county_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    targeted: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    reached: Mapped[int] = mapped_column(Integer, default=0)
    delivered: Mapped[int] = mapped_column(Integer, default=0)
    bounced: Mapped[int] = mapped_column(Integer, default=0)
    clicked: Mapped[int] = mapped_column(Integer, default=0)  # pairs with a human click
    clicks: Mapped[int] = mapped_column(Integer, default=0)  # human click events
    bot_clicks: Mapped[int] = mapped_column(Integer, default=0)  # click events judged automated
    acknowledged: Mapped[int] = mapped_column(Integer, default=0)
    fu_not_relevant: Mapped[int] = mapped_column(Integer, default=0)
    fu_noted: Mapped[int] = mapped_column(Integer, default=0)
    fu_will_follow_up: Mapped[int] = mapped_column(Integer, default=0)
    fu_followed_up: Mapped[int] = mapped_column(Integer, default=0)
    not_sent_gap: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    not_sent_due: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    local: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # written to the Maildir only
    in_progress: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    handed_over: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    confirmed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    direct: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ReportLatency(Base):
    """How many acknowledged alert × municipality pairs took `hours` from approval to the first
    acknowledgement (relay.reports.reach.latency_hours): an exact median without reading the pairs.

    Same grains and key as report_cell, plus hours last: one grain's rows for the filtered
    offices and months are contiguous in the key, and each group's histogram is read from them."""

    __tablename__ = "report_latency"

    grain: Mapped[int] = mapped_column(Integer, primary_key=True)
    sector: Mapped[str] = mapped_column(String(40), primary_key=True)
    body: Mapped[str] = mapped_column(String(40), primary_key=True)
    county_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    hours: Mapped[int] = mapped_column(Integer, primary_key=True)
    pairs: Mapped[int] = mapped_column(Integer, default=0)


class ReportMunicipalityMonth(Base):
    """Per municipality, sending office and month: the tile grid and the municipality table."""

    __tablename__ = "report_municipality_month"

    municipality_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    targeted: Mapped[int] = mapped_column(Integer, default=0)
    reached: Mapped[int] = mapped_column(Integer, default=0)  # handed over or confirmed
    acknowledged: Mapped[int] = mapped_column(Integer, default=0)
    confirmed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    not_reached: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


# Refresh finds edited acknowledgements (a changed follow-up status) by their update time.
Index("ix_acknowledgement_updated_at", Acknowledgement.updated_at)
# A contact's last bounce (bouncing contacts list) is one index probe, however many events exist.
Index("ix_receipt_event_contact_kind_time", ReceiptEvent.contact_id, ReceiptEvent.kind, ReceiptEvent.occurred_at)
# The latest alerts, nationally and per office, without sorting them all.
Index("ix_report_alert_approved", ReportAlert.approved_at)
Index("ix_report_alert_office_approved", ReportAlert.office_id, ReportAlert.approved_at)
# Pairs whose quiet period ends (in progress → handed over by time alone) are found without a scan.
Index("ix_report_reach_settles_at", ReportReach.settles_at)
