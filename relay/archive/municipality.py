"""A municipality's own overview: every alert it was sent, with acknowledgement and follow-up, per sector,
as tables the page, the printable page, CSV and XLSX share (relay.reports.tables.Table)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from relay.i18n import translator
from relay.models import Alert, Organisation
from relay.reports.tables import Column, Table
from relay.sectors import sector_names
from relay.surveys.evidence import Rungs, Tally, rungs_for


@dataclass
class Overview:
    municipality: Organisation
    by_sector: Table
    alerts: Table
    totals: Tally


def overview(*, session: Session, municipality: Organisation, language: str) -> Overview:
    t, names = translator(language), sector_names(language)
    text_language = "nn" if language == "nn" else "nb"
    rungs = {r.alert_id: r for r in rungs_for(session=session, municipality_ids=[municipality.id])}
    alerts = session.scalars(select(Alert).where(Alert.id.in_(rungs)).options(selectinload(Alert.sectors))
                             .order_by(Alert.approved_at.desc(), Alert.id.desc())).all()
    listing = Table(key="alerts", caption=t("archive.overview.alerts_caption"), columns=[
        Column("title", t("archive.overview.alert")), Column("approved", t("archive.overview.approved"), "time"),
        Column("sectors", t("archive.sectors")), Column("reached", t("archive.overview.reached")),
        Column("acknowledged", t("archive.overview.acknowledged"), "time"),
        Column("follow_up", t("archive.overview.follow_up"))])
    per_sector: dict[str, Tally] = defaultdict(Tally)
    totals = Tally()
    for alert in alerts:
        one: Rungs = rungs[alert.id]
        totals.add(one)
        for sector in alert.sector_ids:
            per_sector[sector].add(one)
        listing.rows.append([
            alert.text("title", text_language), alert.approved_at,
            ", ".join(names.get(s, s) for s in alert.sector_ids),
            t("archive.overview.yes") if one.reached else t("archive.overview.no"), one.acknowledged_at,
            t(f"archive.follow_up.{one.follow_up}") if one.follow_up else ""])
        listing.links.append(f"/archive/{alert.id}" + ("?lang=nn" if text_language == "nn" else ""))
    by_sector = Table(key="sectors", caption=t("archive.overview.sectors_caption"), columns=[
        Column("sector", t("archive.sector")), Column("targeted", t("archive.overview.received"), "int"),
        Column("acknowledged", t("archive.overview.acknowledged_count"), "int"),
        Column("following_up", t("archive.overview.following_up"), "int"),
        Column("share", t("archive.overview.ack_share"), "pct")])
    for sector, name in names.items():
        if sector in per_sector:
            tally = per_sector[sector]
            by_sector.rows.append([name, tally.targeted, tally.acknowledged, tally.following_up,
                                   tally.share("acknowledged")])
    return Overview(municipality=municipality, by_sector=by_sector, alerts=listing, totals=totals)
