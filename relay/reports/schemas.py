"""What every report contains, as Pydantic models: the pages, the exports, the CLI and the JSON API
(/api/v1/reports/…, in the OpenAPI schema) all read these same objects."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, computed_field

FOLLOW_UPS = ("not-relevant", "noted", "will-follow-up", "followed-up")


def share(part: int, whole: int) -> float | None:
    """A share in percent with one decimal; None when nothing was targeted (not 0 %)."""
    return round(100 * part / whole, 1) if whole else None


class Filters(BaseModel):
    start: str | None = Field(None, description="first approval month, YYYY-MM (inclusive)")
    end: str | None = Field(None, description="last approval month, YYYY-MM (inclusive)")
    office_id: int | None = None
    county_id: int | None = None
    sector: str | None = None
    body: str | None = Field(None, description="issuing body (Item.body), e.g. ECHR, CRC")


class Figures(BaseModel):
    """The ladder for a group of alert × targeted-municipality pairs."""

    key: str = ""
    label: str = ""
    targeted: int = Field(0, description="alert × municipality pairs: every share below is a share of these")
    sent: int = 0
    reached: int = Field(0, description="handed over + confirmed (docs/reports.md, the ladder of evidence)")
    confirmed: int = Field(0, description="bekreftet mottatt: a delivered DSN, a read MDN, a human click or an "
                                          "acknowledgement")
    handed_over: int = Field(0, description="levert uten feil: accepted by a mail server, no failure since")
    direct: int = Field(0, description="of handed_over: accepted by the municipality's own mail server (direct mode)")
    in_progress: int = Field(0, description="queued, being sent or retried, or within the quiet period")
    local: int = Field(0, description="written locally, not sent: the Maildir (no SMTP host configured)")
    failed: int = Field(0, description="every message bounced or failed: not reached")
    not_sent_gap: int = Field(0, description="not sent: no working address for the alert's sectors")
    not_sent_due: int = Field(0, description="not sent yet: the next digest will carry it")
    delivered: int = 0
    bounced: int = 0
    clicked: int = 0
    clicks: int = Field(0, description="human clicks; bot-filtered clicks are in bot_clicks")
    bot_clicks: int = 0
    acknowledged: int = 0
    follow_up: dict[str, int] = Field(default_factory=lambda: dict.fromkeys(FOLLOW_UPS, 0))
    median_hours_to_ack: float | None = Field(None, description="median whole hours, approval → first acknowledgement")

    @computed_field
    @property
    def reached_share(self) -> float | None:
        return share(self.reached, self.targeted)

    @computed_field
    @property
    def not_sent(self) -> int:
        return self.not_sent_gap + self.not_sent_due

    @computed_field
    @property
    def not_reached(self) -> int:
        """ikke nådd: failed or not sent (gap or not yet due)."""
        return self.failed + self.not_sent_gap + self.not_sent_due

    @computed_field
    @property
    def confirmed_share(self) -> float | None:
        return share(self.confirmed, self.targeted)

    @computed_field
    @property
    def handed_over_share(self) -> float | None:
        return share(self.handed_over, self.targeted)

    @computed_field
    @property
    def not_reached_share(self) -> float | None:
        return share(self.not_reached, self.targeted)

    @computed_field
    @property
    def local_share(self) -> float | None:
        return share(self.local, self.targeted)

    @computed_field
    @property
    def acknowledged_share(self) -> float | None:
        return share(self.acknowledged, self.targeted)


class MunicipalityFigures(BaseModel):
    id: int
    code: str
    name: str
    county: str = ""
    targeted: int = 0
    reached: int = 0
    acknowledged: int = 0
    confirmed: int = 0
    not_reached: int = 0

    @computed_field
    @property
    def acknowledged_share(self) -> float | None:
        return share(self.acknowledged, self.targeted)


class GapRow(BaseModel):
    code: str
    name: str
    county: str = ""
    missing: list[str] = Field(description="sector ids without an active subscriber")
    missing_names: list[str] = Field(default_factory=list, description="the same sectors' names in the report's language")
    has_fallback: bool = Field(description="a fallback address (postmottak) that is not failing")
    severity: str = Field("sectors", description="no-address: no working address at all (no subscriber in any "
                                                 "sector and no working fallback); sectors: some sectors without a "
                                                 "subscriber")
    fallback_failing: bool = Field(False, description="the fallback address bounced with a mailbox-level failure")


class GapCount(BaseModel):
    key: str
    label: str
    municipalities: int = Field(description="municipalities with at least one gap (by county) / without a subscriber (by sector)")
    gaps: int = Field(description="municipality × sector pairs without an active subscriber")
    no_address: int = Field(0, description="municipalities with no working address at all (by county)")


class ContactHealth(BaseModel):
    municipality_code: str
    municipality: str
    email: str
    kind: str
    status: str
    hard_bounces: int
    last_bounce_at: datetime | None = None


class AlertSummary(BaseModel):
    id: int
    title: str
    office: str
    approved_at: datetime
    body: str
    sectors: list[str]
    targeted: int
    reached: int
    acknowledged: int
    confirmed: int = 0
    not_reached: int = 0


class ContactLadder(BaseModel):
    email: str
    kind: str
    status: str
    via: str
    message_status: str | None = None
    queued_at: datetime | None = None
    accepted_at: datetime | None = None
    delivered_at: datetime | None = None
    bounced_at: datetime | None = None
    clicks: int = 0
    bot_clicks: int = 0
    acknowledged_at: datetime | None = None
    follow_up: str | None = None


class PairLadder(BaseModel):
    """One alert × one municipality: the first time of each rung."""

    alert_id: int
    alert_title: str = ""
    code: str
    municipality: str
    approved_at: datetime
    sent_at: datetime | None = None
    accepted_at: datetime | None = None
    delivered_at: datetime | None = None
    bounced_at: datetime | None = None
    clicks: int = 0
    bot_clicks: int = 0
    acknowledged_at: datetime | None = None
    follow_up: str | None = None
    rung: str = Field("not-sent", description="not-sent | failed | local | in-progress | handed-over | confirmed")
    reason: str | None = Field(None, description="why not sent: gap | not-yet-due")
    acceptance: str | None = Field(None, description="what the acceptance rests on: smarthost | direct")
    contacts: list[ContactLadder] = Field(default_factory=list)


class RungCount(BaseModel):
    """One rung of the ladder of evidence over the report's targeted pairs, named in the report's language."""

    rung: str = Field(description="confirmed | handed_over | in_progress | local | failed | not_sent_gap | not_sent_due")
    label: str
    pairs: int
    share: float | None = Field(description="percent of the targeted alert × municipality pairs")


class NationalReport(BaseModel):
    scope: str = Field(description="'national' or the office's name")
    filters: Filters
    generated_at: datetime
    alerts_count: int
    totals: Figures
    ladder: list[RungCount] = Field(default_factory=list, description="each targeted pair on exactly one rung")
    by_office: list[Figures]
    by_county: list[Figures]
    by_sector: list[Figures]
    by_body: list[Figures]
    by_month: list[Figures]
    municipalities: list[MunicipalityFigures]
    gaps: list[GapRow]
    gaps_by_county: list[GapCount]
    gaps_by_sector: list[GapCount]
    bouncing: list[ContactHealth]
    alerts: list[AlertSummary]


class AlertReport(BaseModel):
    alert: AlertSummary
    totals: Figures
    municipalities: list[PairLadder]


class MunicipalityReport(BaseModel):
    id: int
    code: str
    name: str
    county: str
    office: str
    totals: Figures
    alerts: list[PairLadder]
    missing_sectors: list[str]
    contacts: list[ContactHealth] = Field(description="its contacts (status and hard bounces)")
    fallback_failing: bool = Field(False, description="its fallback address (postmottak) refuses mail")


class AnnualReport(BaseModel):
    year: int
    language: str
    as_of: date | None = Field(None, description="the date the figures stand at, for a year not yet over")
    national: NationalReport
    municipalities_total: int
    municipalities_fully_covered: int
    chapters: dict = {}  # chapters of other issues by name, as plain values (issue 23: "knowledge")
