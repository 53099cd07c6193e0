"""The reach and acknowledgement figures the survey results, the municipality's overview and the annual
chapter show beside their own facts. They are read here and nowhere else in relay/surveys and
relay/archive.

The source: relay.reports' report_reach (one row per alert × targeted municipality, standing on one rung
of the ladder of evidence, relay/reports/evidence.py), refreshed on demand by the caller through
relay.reports.refresh.ensure_fresh. "Reached" is the ladder's: handed over or confirmed; mail written
only to the local Maildir, a smarthost's fresh acceptance or a bounce is not. A withdrawn alert's pairs
count nowhere, as in the reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay.models import Alert, ReportReach
from relay.reports.evidence import CONFIRMED, HANDED_OVER

FOLLOWING_UP = ("will-follow-up", "followed-up")


@dataclass(frozen=True)
class Rungs:
    """How far one alert got in one municipality."""

    alert_id: int
    municipality_id: int
    approved_at: datetime
    reached: bool  # the ladder's handed over or confirmed (docs/reports.md)
    acknowledged_at: datetime | None
    follow_up: str | None  # the most advanced follow-up among its acknowledgements

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


@dataclass
class Tally:
    targeted: int = 0
    reached: int = 0
    acknowledged: int = 0
    following_up: int = 0  # acknowledged with "will follow up" or "followed up"

    def add(self, rungs: Rungs) -> None:
        self.targeted += 1
        self.reached += rungs.reached
        self.acknowledged += rungs.acknowledged
        self.following_up += rungs.follow_up in FOLLOWING_UP

    def share(self, part: str) -> float | None:
        return round(100 * getattr(self, part) / self.targeted, 1) if self.targeted else None


def _rungs(row: ReportReach) -> Rungs:
    return Rungs(alert_id=row.alert_id, municipality_id=row.municipality_id, approved_at=row.approved_at,
                 reached=row.rung in (HANDED_OVER, CONFIRMED),
                 acknowledged_at=row.acknowledged_at, follow_up=row.follow_up)


def rungs_for(*, session: Session, municipality_ids: list[int] | None = None, start: datetime | None = None,
              end: datetime | None = None) -> list[Rungs]:
    """Every alert × targeted municipality (of the given municipalities, approved in [start, end))."""
    # A withdrawn alert's pairs count nowhere (its rows stay, for the alert's own page).
    query = select(ReportReach).join(Alert, Alert.id == ReportReach.alert_id).where(Alert.status == "active")
    if municipality_ids is not None:
        query = query.where(ReportReach.municipality_id.in_(municipality_ids))
    if start is not None:
        query = query.where(ReportReach.approved_at >= start)
    if end is not None:
        query = query.where(ReportReach.approved_at < end)
    return [_rungs(row) for row in session.scalars(query)]


def tally_by_municipality(rungs: list[Rungs]) -> dict[int, Tally]:
    tallies: dict[int, Tally] = {}
    for one in rungs:
        tallies.setdefault(one.municipality_id, Tally()).add(one)
    return tallies
