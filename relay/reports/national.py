"""The dashboard: the ladder by office, county, sector, issuing body and month, every municipality,
coverage gaps, bouncing contacts and the latest alerts. Governors get the same for their office."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from relay.contacts import coverage_gaps
from relay.i18n import translator
from relay.models import Alert, Contact, Organisation, ReceiptEvent, ReportAlert, utcnow
from relay.reports.figures import breakdown, municipality_totals
from relay.reports.labels import Register, body_name, sector_ids, sector_names
from relay.reports.schemas import (
    AlertSummary,
    ContactHealth,
    Figures,
    Filters,
    GapCount,
    GapRow,
    MunicipalityFigures,
    NationalReport,
    RungCount,
    share,
)

ALERTS_SHOWN = 50


def national_report(*, session: Session, filters: Filters, language: str = "nb") -> NationalReport:
    register = Register.load(session)
    names = sector_names(language)
    sector_order = {s: i for i, s in enumerate(names)}

    def labelled(dimension: str, label, order=None) -> list[Figures]:
        rows = list(breakdown(session, filters, dimension).values())
        for row in rows:
            row.label = label(row.key)
        return sorted(rows, key=order or (lambda r: r.label))

    in_scope = register.municipalities(filters.office_id, filters.county_id)
    by_office = with_zeros(labelled("office_id", lambda k: register.name(int(k))),
                           {m.office_id for m in in_scope if m.office_id}, register)
    by_county = with_zeros(labelled("county_id", lambda k: register.name(int(k))),
                           {m.county_id or 0 for m in in_scope}, register)
    by_county.sort(key=lambda r: register.by_id[int(r.key)].code if int(r.key) in register.by_id else "~")
    gaps = _gaps(session, register, filters, names)
    totals = breakdown(session, filters).get("", Figures())
    return NationalReport(
        scope=register.name(filters.office_id) if filters.office_id else "national",
        filters=filters,
        generated_at=utcnow(),
        alerts_count=_alerts_query(session, filters, register, count=True),
        totals=totals, ladder=ladder(totals, translator(language)),
        by_office=by_office,
        by_county=by_county,
        by_sector=labelled("sector", lambda k: names.get(k, k), lambda r: sector_order.get(r.key, 99)),
        by_body=labelled("body", lambda k: body_name(k, translator(language))),
        by_month=labelled("month", lambda k: k, lambda r: r.key),
        municipalities=_municipalities(session, register, filters),
        gaps=gaps,
        gaps_by_county=_gaps_by_county(register, gaps),
        gaps_by_sector=_gaps_by_sector(gaps, names),
        bouncing=contact_health(session, register, office_id=filters.office_id, county_id=filters.county_id,
                                statuses=("bouncing",)),
        alerts=_alerts_query(session, filters, register),
    )


# Strongest first, as the headline reads; each targeted pair is on exactly one of these.
LADDER_ROWS = (("confirmed", "evidence.rung.confirmed"), ("handed_over", "evidence.rung.handed-over"),
               ("in_progress", "evidence.rung.in-progress"), ("local", "evidence.rung.local"),
               ("failed", "evidence.rung.failed"), ("not_sent_gap", "evidence.col.not_sent_gap"),
               ("not_sent_due", "evidence.col.not_sent_due"))


def ladder(totals: Figures, t) -> list[RungCount]:
    return [RungCount(rung=name, label=t(key), pairs=getattr(totals, name), share=share(getattr(totals, name), totals.targeted))
            for name, key in LADDER_ROWS]


def with_zeros(rows: list[Figures], ids: set[int], register: Register) -> list[Figures]:
    """Every office (county) in scope gets its row, with zeros when nothing was targeted there: a
    missing row would hide exactly the places the ministry most needs to see."""
    known = {r.key for r in rows}
    rows += [Figures(key=str(i), label=register.name(i)) for i in ids if str(i) not in known]
    return sorted(rows, key=lambda r: r.label)


def _municipalities(session: Session, register: Register, filters: Filters) -> list[MunicipalityFigures]:
    totals = municipality_totals(session, filters)
    rows = []
    for muni in register.municipalities(filters.office_id, filters.county_id):
        targeted, reached, acked, confirmed, not_reached = totals.get(muni.id, (0, 0, 0, 0, 0))
        rows.append(MunicipalityFigures(id=muni.id, code=muni.code, name=muni.name, county=register.name(muni.county_id),
                                        targeted=targeted, reached=reached, acknowledged=acked, confirmed=confirmed,
                                        not_reached=not_reached))
    return rows


def fallback_states(session: Session) -> dict[int, str]:
    """municipality id → the status of its fallback contact (active, bouncing …), where it has one."""
    return dict(session.execute(select(Contact.municipality_id, Contact.status)
                                .where(Contact.kind == "fallback", Contact.status != "erased")).all())


def gap_severity(missing: list[str], considered: list[str], fallback_works: bool) -> str:
    """no-address: nothing in the considered sectors can reach the municipality; uncovered: some sectors
    reach nobody; sectors: some sectors lack a subscriber, but a working fallback gets their alerts."""
    if fallback_works:
        return "sectors"
    return "no-address" if len(missing) == len(considered) else "uncovered"


def _gaps(session: Session, register: Register, filters: Filters, names: dict[str, str]) -> list[GapRow]:
    """Today's gaps (a state, not a period): municipality × sector with no active subscriber, graded by
    whether a working fallback (postmottak) still gets those sectors' alerts."""
    sectors = [filters.sector] if filters.sector else sector_ids()
    fallbacks = fallback_states(session)
    rows = []
    for muni, missing in coverage_gaps(session=session, office_id=filters.office_id, sectors=sectors):
        if filters.county_id is not None and muni.county_id != filters.county_id:
            continue
        state = fallbacks.get(muni.id)
        # The planner sends to an active fallback contact only (digests/plan.py): that is a working fallback.
        works = state == "active"
        rows.append(GapRow(code=muni.code, name=muni.name, county=register.name(muni.county_id), missing=missing,
                           missing_names=[names.get(s, s) for s in missing], has_fallback=works,
                           fallback_failing=state == "bouncing",
                           severity=gap_severity(missing, sectors, works)))
    rows.sort(key=lambda g: (("no-address", "uncovered", "sectors").index(g.severity), g.code))
    return rows


def _gaps_by_county(register: Register, gaps: list[GapRow]) -> list[GapCount]:
    counts: dict[str, list[int]] = {}
    for gap in gaps:
        entry = counts.setdefault(gap.county, [0, 0, 0])
        entry[0] += 1
        entry[1] += len(gap.missing)
        entry[2] += gap.severity == "no-address"
    return [GapCount(key=county, label=county, municipalities=m, gaps=g, no_address=n)
            for county, (m, g, n) in sorted(counts.items())]


def _gaps_by_sector(gaps: list[GapRow], names: dict[str, str]) -> list[GapCount]:
    rows = []
    for sector, label in names.items():
        without = sum(sector in gap.missing for gap in gaps)
        if without:
            rows.append(GapCount(key=sector, label=label, municipalities=without, gaps=without))
    return rows


def contact_health(session: Session, register: Register, *, office_id=None, county_id=None, municipality_id=None,
                   statuses=None) -> list[ContactHealth]:
    # Per listed contact, one probe of ix_receipt_event_contact_kind_time: the cost follows the
    # contacts shown, not the bounces ever recorded.
    last_bounce = (select(func.max(ReceiptEvent.occurred_at))
                   .where(ReceiptEvent.contact_id == Contact.id, ReceiptEvent.kind == "bounced")
                   .correlate(Contact).scalar_subquery())
    query = (select(Contact, last_bounce).join(Organisation, Organisation.id == Contact.municipality_id)
             .where(Contact.status != "erased").order_by(Organisation.code, Contact.email))
    if statuses:
        query = query.where(Contact.status.in_(statuses))
    if office_id is not None:
        query = query.where(Organisation.office_id == office_id)
    if county_id is not None:
        query = query.where(Organisation.county_id == county_id)
    if municipality_id is not None:
        query = query.where(Contact.municipality_id == municipality_id)
    rows = []
    for contact, at in session.execute(query):
        muni = register.by_id.get(contact.municipality_id)
        rows.append(ContactHealth(municipality_code=muni.code if muni else "", municipality=register.name(contact.municipality_id),
                                  email=contact.email or "", kind=contact.kind, status=contact.status,
                                  hard_bounces=contact.hard_bounces, last_bounce_at=at))
    return rows


def _alerts_query(session: Session, filters: Filters, register: Register, *, count: bool = False):
    # The count needs no title: it reads report_alert alone.
    query = select(ReportAlert.alert_id if count else ReportAlert).where(ReportAlert.status == "active")
    if filters.start:
        query = query.where(ReportAlert.month >= filters.start)
    if filters.end:
        query = query.where(ReportAlert.month <= filters.end)
    if filters.office_id is not None:
        query = query.where(ReportAlert.office_id == filters.office_id)
    if filters.body is not None:
        query = query.where(ReportAlert.body == filters.body)
    if filters.sector:
        query = query.where((" " + ReportAlert.sectors + " ").contains(f" {filters.sector} "))
    if count:
        return session.scalar(select(func.count()).select_from(query.subquery()))
    query = (query.add_columns(Alert.title_nb).join(Alert, Alert.id == ReportAlert.alert_id)
             .order_by(ReportAlert.approved_at.desc(), ReportAlert.alert_id.desc()).limit(ALERTS_SHOWN))
    return [alert_summary(ra, title, register) for ra, title in session.execute(query)]


def alert_summary(counted: ReportAlert, title: str, register: Register) -> AlertSummary:
    return AlertSummary(id=counted.alert_id, title=title, office=register.name(counted.office_id),
                        approved_at=counted.approved_at, body=counted.body, sectors=counted.sectors.split(),
                        targeted=counted.targeted, reached=counted.reached, acknowledged=counted.acknowledged,
                        confirmed=counted.confirmed, not_reached=counted.not_reached)
