"""Every report as a list of tables: the page shows them, CSV/XLSX export them and the CLI prints
them, so an export always has the same rows as the page it came from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from relay.dates import show_moment
from relay.reports.labels import body_name, code_name
from relay.reports.reach import REPORT_TZ
from relay.reports.schemas import (
    FOLLOW_UPS,
    AlertReport,
    ContactHealth,
    Figures,
    MunicipalityReport,
    NationalReport,
    PairLadder,
)


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"  # text | int | pct | hours | time


@dataclass
class View:
    columns: list[Column]
    rows: list[list]


@dataclass
class Table:
    key: str  # the export file name: national-by_office.csv …
    caption: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)  # per row, for the first cell on the page
    # The columns a page shows (at most seven, so a table reads on a laptop); downloads keep them all.
    page_columns: tuple[str, ...] | None = None

    def view(self) -> View:
        if not self.page_columns:
            return View(self.columns, self.rows)
        keep = [i for i, c in enumerate(self.columns) if c.key in self.page_columns]
        return View([self.columns[i] for i in keep], [[row[i] for i in keep] for row in self.rows])


# The dashboard's figure tables on the page: the three headline rungs and the acknowledgement rate as
# shares of the targeted pairs, beside the number targeted (every count is in the downloads).
FIGURE_PAGE_COLUMNS = ("label", "targeted", "confirmed_share", "handed_over_share", "not_reached_share",
                       "acknowledged_share", "median_hours_to_ack")


def fmt(value, kind: str, language: str = "nb") -> str:
    """Display form: Norwegian decimal comma except in English, times in Norwegian time."""
    if value is None:
        return "–"
    if kind == "time" and isinstance(value, datetime):
        return show_moment(value, language, REPORT_TZ.key)  # 07.12.2026 kl. 23:14, as on every page
    if kind in ("pct", "hours"):
        text = f"{value:.1f}" if isinstance(value, float) and not value.is_integer() else f"{value:.0f}"
        text = text if language == "en" else text.replace(".", ",")
        return f"{text} %" if kind == "pct" else text
    return str(value)


def _figure_columns(t: Callable, first: str) -> list[Column]:
    # The three headline rungs first (shares of the targeted pairs), then the rest of the ladder.
    rungs = [Column(name, t(f"evidence.col.{name}"), kind) for name, kind in (
        ("confirmed", "int"), ("confirmed_share", "pct"), ("handed_over", "int"), ("handed_over_share", "pct"),
        ("not_reached", "int"), ("not_reached_share", "pct"), ("in_progress", "int"), ("local", "int"))]
    detail = [Column(name, t(f"evidence.col.{name}"), "int")
              for name in ("failed", "not_sent_gap", "not_sent_due", "direct")]
    return [Column("label", t(first)), Column("targeted", t("reports.col.targeted"), "int"), *rungs,
            Column("acknowledged", t("reports.col.acknowledged"), "int"),
            Column("acknowledged_share", t("reports.col.acknowledged_share"), "pct"),
            Column("median_hours_to_ack", t("reports.col.median_hours"), "hours"), *detail,
            Column("sent", t("reports.col.sent"), "int"), Column("delivered", t("reports.col.delivered"), "int"),
            Column("bounced", t("reports.col.bounced"), "int"), Column("clicked", t("reports.col.clicked"), "int"),
            Column("clicks", t("reports.col.clicks"), "int"), Column("bot_clicks", t("reports.col.bot_clicks"), "int"),
            *[Column(f"fu:{f}", t(f"reports.followup.{f}"), "int") for f in FOLLOW_UPS]]


def figures_table(key: str, caption: str, first: str, rows: list[Figures], t: Callable,
                  link: Callable[[Figures], str | None] | None = None) -> Table:
    columns = _figure_columns(t, first)
    table = Table(key, caption, columns, page_columns=FIGURE_PAGE_COLUMNS)
    for row in rows:
        if link is not None:
            table.links.append(link(row))
        data = row.model_dump()
        table.rows.append([row.follow_up[c.key[3:]] if c.key.startswith("fu:") else data[c.key] for c in columns])
    return table


def national_tables(report: NationalReport, t: Callable, *, annual: bool = False) -> list[Table]:
    total = report.totals.model_copy(update={"label": t("reports.total")})
    tables = [
        figures_table("totals", t("reports.table.totals"), "reports.col.scope", [total], t),
        figures_table("by_month", t("reports.table.by_month"), "reports.col.month", report.by_month, t),
        # Drill-down: an office's or a county's row opens the dashboard filtered to it.
        figures_table("by_office", t("reports.table.by_office"), "reports.col.office", report.by_office, t,
                      lambda r: f"/reports?office={r.key}"),
        figures_table("by_county", t("reports.table.by_county"), "reports.col.county", report.by_county, t,
                      lambda r: f"/reports?county={r.key}" if r.key != "0" else None),
        figures_table("by_sector", t("reports.table.by_sector"), "reports.col.sector", report.by_sector, t),
        figures_table("by_body", t("reports.table.by_body"), "reports.col.body", report.by_body, t),
    ]
    gaps = Table("gaps_by_county", t("reports.table.gaps_by_county"), [
        Column("label", t("reports.col.county")), Column("municipalities", t("reports.col.gap_municipalities"), "int"),
        Column("gaps", t("reports.col.gaps"), "int"), Column("no_address", t("evidence.col.no_address"), "int")],
        [[g.label, g.municipalities, g.gaps, g.no_address] for g in report.gaps_by_county])
    by_sector = Table("gaps_by_sector", t("reports.table.gaps_by_sector"), [
        Column("label", t("reports.col.sector")), Column("municipalities", t("reports.col.without_subscriber"), "int")],
        [[g.label, g.municipalities] for g in report.gaps_by_sector])
    tables += [gaps, by_sector]
    if annual:
        return tables
    munis = Table("municipalities", t("reports.table.municipalities"), [
        Column("code", t("reports.col.code")), Column("name", t("reports.col.municipality")),
        Column("county", t("reports.col.county")), Column("targeted", t("reports.col.targeted"), "int"),
        Column("confirmed", t("evidence.col.confirmed"), "int"), Column("not_reached", t("evidence.col.not_reached"), "int"),
        Column("acknowledged", t("reports.col.acknowledged"), "int"),
        Column("acknowledged_share", t("reports.col.acknowledged_share"), "pct")],
        page_columns=("code", "name", "county", "targeted", "confirmed", "not_reached", "acknowledged_share"))
    for m in report.municipalities:
        munis.rows.append([m.code, m.name, m.county, m.targeted, m.confirmed, m.not_reached, m.acknowledged,
                           m.acknowledged_share])
        munis.links.append(f"/reports/municipalities/{m.code}")
    gap_list = Table("gaps", t("reports.table.gaps"), [
        Column("code", t("reports.col.code")), Column("name", t("reports.col.municipality")),
        Column("county", t("reports.col.county")), Column("missing", t("reports.col.missing")),
        Column("fallback", t("reports.col.fallback")), Column("severity", t("evidence.col.severity")),
        Column("missing_count", t("evidence.col.missing_count"), "int")],
        [[g.code, g.name, g.county, ", ".join(g.missing_names or g.missing), _fallback_text(g, t),
          t(f"evidence.gap.{g.severity}"), len(g.missing)] for g in report.gaps],
        [f"/reports/municipalities/{g.code}" for g in report.gaps],
        # The sectors' names stay in the download and on each municipality's page: 350 rows of them
        # would more than double the dashboard's size.
        page_columns=("code", "name", "county", "fallback", "severity", "missing_count"))
    alerts = Table("alerts", t("reports.table.alerts"), [
        Column("id", t("reports.col.alert_id"), "int"), Column("title", t("reports.col.title")),
        Column("office", t("reports.col.office")), Column("approved_at", t("reports.col.approved_at"), "time"),
        Column("body", t("reports.col.body")), Column("targeted", t("reports.col.targeted"), "int"),
        Column("confirmed", t("evidence.col.confirmed"), "int"), Column("not_reached", t("evidence.col.not_reached"), "int"),
        Column("acknowledged", t("reports.col.acknowledged"), "int")],
        [[a.id, a.title, a.office, a.approved_at, body_name(a.body, t), a.targeted, a.confirmed, a.not_reached,
          a.acknowledged]
         for a in report.alerts], [f"/reports/alerts/{a.id}" for a in report.alerts],
        page_columns=("id", "title", "approved_at", "targeted", "confirmed", "not_reached", "acknowledged"))
    return tables + [munis, gap_list, contacts_table("bouncing", t("reports.table.bouncing"), report.bouncing, t), alerts]


def _fallback_text(gap, t: Callable) -> str:
    if gap.fallback_failing:
        return t("evidence.gap.fallback_failing")
    return t("reports.yes") if gap.has_fallback else t("reports.no")


def rung_text(p: PairLadder, t: Callable) -> str:
    """"Ikke sendt: ingen fungerende adresse", "Levert uten feil (akseptert av vår utgående e-posttjener)"."""
    text = t(f"evidence.rung.{p.rung}")
    if p.reason:
        return f"{text}: {t(f'evidence.reason.{p.reason}')}"
    if p.acceptance and p.rung in ("handed-over", "in-progress"):
        return f"{text} ({t(f'evidence.acceptance.{p.acceptance}')})"
    return text


def contacts_table(key: str, caption: str, rows: list[ContactHealth], t: Callable) -> Table:
    return Table(key, caption, [
        Column("code", t("reports.col.code")), Column("municipality", t("reports.col.municipality")),
        Column("email", t("reports.col.email")), Column("kind", t("reports.col.kind")),
        Column("status", t("reports.col.status")), Column("hard_bounces", t("reports.col.hard_bounces"), "int"),
        Column("last_bounce_at", t("reports.col.last_bounce_at"), "time")],
        [[c.municipality_code, c.municipality, c.email, code_name("kind", c.kind, t), code_name("status", c.status, t),
          c.hard_bounces, c.last_bounce_at] for c in rows])


def _ladder_columns(t: Callable, first: list[Column]) -> list[Column]:
    return first + [Column("rung", t("evidence.col.rung"))] + [Column(k, t(f"reports.col.{k}"), "time") for k in ("sent_at", "accepted_at", "delivered_at",
                                                                          "bounced_at")] + [
        Column("clicks", t("reports.col.clicks"), "int"), Column("bot_clicks", t("reports.col.bot_clicks"), "int"),
        Column("acknowledged_at", t("reports.col.acknowledged_at"), "time"), Column("follow_up", t("reports.col.follow_up"))]


def _ladder_row(p: PairLadder, t: Callable, first: list) -> list:
    return first + [rung_text(p, t), p.sent_at, p.accepted_at, p.delivered_at, p.bounced_at, p.clicks, p.bot_clicks, p.acknowledged_at,
                    t(f"reports.followup.{p.follow_up}") if p.follow_up else None]


def alert_tables(report: AlertReport, t: Callable) -> list[Table]:
    pairs = Table("municipalities", t("reports.table.alert_municipalities"), _ladder_columns(
        t, [Column("code", t("reports.col.code")), Column("municipality", t("reports.col.municipality"))]))
    for p in report.municipalities:
        pairs.rows.append(_ladder_row(p, t, [p.code, p.municipality]))
        pairs.links.append(f"/reports/municipalities/{p.code}")
    contacts = Table("contacts", t("reports.table.contacts"), [
        Column("code", t("reports.col.code")), Column("email", t("reports.col.email")), Column("kind", t("reports.col.kind")),
        Column("via", t("reports.col.via")), Column("message_status", t("reports.col.message_status")),
        *[Column(k, t(f"reports.col.{k}"), "time") for k in ("queued_at", "accepted_at", "delivered_at", "bounced_at")],
        Column("clicks", t("reports.col.clicks"), "int"), Column("bot_clicks", t("reports.col.bot_clicks"), "int"),
        Column("acknowledged_at", t("reports.col.acknowledged_at"), "time"), Column("follow_up", t("reports.col.follow_up"))])
    for p in report.municipalities:
        for c in p.contacts:
            contacts.rows.append([p.code, c.email, code_name("kind", c.kind, t), code_name("via", c.via, t),
                                  code_name("message", c.message_status, t), c.queued_at, c.accepted_at,
                                  c.delivered_at, c.bounced_at, c.clicks, c.bot_clicks, c.acknowledged_at,
                                  t(f"reports.followup.{c.follow_up}") if c.follow_up else None])
    total = report.totals.model_copy(update={"label": report.alert.title})
    return [figures_table("totals", t("reports.table.totals"), "reports.col.alert", [total], t), pairs, contacts]


def municipality_tables(report: MunicipalityReport, t: Callable) -> list[Table]:
    history = Table("alerts", t("reports.table.history"), _ladder_columns(
        t, [Column("alert_id", t("reports.col.alert_id"), "int"), Column("title", t("reports.col.title")),
            Column("approved_at", t("reports.col.approved_at"), "time")]))
    for p in report.alerts:
        history.rows.append(_ladder_row(p, t, [p.alert_id, p.alert_title, p.approved_at]))
        history.links.append(f"/reports/alerts/{p.alert_id}")
    total = report.totals.model_copy(update={"label": report.name})
    return [figures_table("totals", t("reports.table.totals"), "reports.col.municipality", [total], t), history,
            contacts_table("contacts", t("reports.table.municipality_contacts"), report.contacts, t)]
