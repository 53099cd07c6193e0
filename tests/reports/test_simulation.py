"""A year for all 357 municipalities: every figure of every report equals the plan's ground truth.

The receipts arrive in two halves with a refresh between them, and then an alert is withdrawn and
a follow-up status changes, so the incremental aggregates are checked as well as the definitions.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from relay.db import transaction
from relay.models import (
    Acknowledgement,
    Alert,
    Organisation,
    ReportCell,
    ReportLatency,
    ReportMunicipalityMonth,
)
from relay.reports.annual import annual_report
from relay.reports.drilldown import alert_report, municipality_report
from relay.reports.national import national_report
from relay.reports.refresh import ensure_fresh, rebuild
from relay.reports.schemas import Figures, Filters
from tests.reports import simulation, truth

FIELDS = ("targeted", "sent", "reached", "delivered", "bounced", "clicked", "clicks", "bot_clicks", "acknowledged",
          "follow_up", "median_hours_to_ack", *truth.LADDER, "direct")


def _plain(f: Figures) -> dict:
    return {k: getattr(f, k) for k in FIELDS}


def _by_key(rows: list[Figures]) -> dict[str, dict]:
    """Groups with targeted pairs (the offices and counties with none are listed with zeros)."""
    return {r.key: _plain(r) for r in rows if r.targeted}


def _same(got: dict, want: dict) -> bool:
    """Equality, with the first difference named in the failure (group, figure, got, want)."""
    assert sorted(got) == sorted(want)
    for key in want:
        for name in FIELDS:
            assert (key, name, got[key][name]) == (key, name, want[key][name])
    return True


@pytest.fixture(scope="module")
def year(request):
    """Built once per module: the plan, the database, and the truth after all changes."""
    engine = request.getfixturevalue("register")
    with transaction(engine) as session:
        munis = session.scalars(select(Organisation).where(Organisation.kind == "municipality")).all()
        world = simulation.plan_year(munis)
        simulation.write(session, world, part=1)
    assert ensure_fresh(engine) > 0
    with transaction(engine) as session:
        simulation.write(session, world, part=2)
        # Late changes that create no receipt event: a withdrawal and an edited follow-up status.
        withdrawn = next(k for k, a in world.alerts.items() if a["status"] == "active" and k != "a1")
        world.alerts[withdrawn]["status"] = "withdrawn"
        session.execute(update(Alert).where(Alert.id == world.ids[withdrawn]).values(status="withdrawn"))
        ack = world.acks[0]
        ack["follow_up"] = "followed-up"
        session.execute(update(Acknowledgement).where(
            Acknowledgement.alert_id == world.ids[ack["alert"]], Acknowledgement.contact_id == world.ids[ack["contact"]]
        ).values(follow_up="followed-up", updated_at=ack["at"] + timedelta(days=400)))
    ensure_fresh(engine)
    return engine, world, truth.pairs(world)


@pytest.fixture(scope="module")
def register(request):
    """Module-scoped stand-in for the conftest fixtures: the year is built once for all tests here."""
    engine = request.getfixturevalue("migrated_engine")
    from relay.register import load_register
    from tests.conftest import _empty_all_tables

    _empty_all_tables(engine)
    with transaction(engine) as session:
        load_register(session=session, profile="no")
    yield engine
    _empty_all_tables(engine)


def test_it_counts_all_357_municipalities(year):
    engine, world, _ = year
    assert len(world.munis) == 357
    with transaction(engine) as session:
        report = national_report(session=session, filters=Filters())
    assert len(report.municipalities) == 357


def test_national_figures_equal_the_truth_in_every_breakdown(year):
    engine, world, pairs = year
    with transaction(engine) as session:
        report = national_report(session=session, filters=Filters())
    assert _plain(report.totals) == truth.figures(pairs)
    assert _same(_by_key(report.by_office), truth.grouped(pairs, "office"))
    assert _same(_by_key(report.by_county), truth.grouped(pairs, "county"))
    assert _same(_by_key(report.by_sector), truth.grouped(pairs, "sector"))
    assert _same(_by_key(report.by_body), truth.grouped(pairs, "body"))
    assert _same(_by_key(report.by_month), truth.grouped(pairs, "month"))
    assert report.totals.bot_clicks > 0 and report.totals.acknowledged > 0
    # Every rung of the ladder is exercised, and the rungs share out the targeted pairs exactly.
    assert all(getattr(report.totals, name) > 0 for name in (*truth.LADDER, "direct")), _plain(report.totals)
    assert sum(getattr(report.totals, name) for name in truth.LADDER) == report.totals.targeted
    assert report.alerts_count == sum(a["status"] == "active" for a in world.alerts.values())


def test_municipality_table_gaps_and_bouncing_contacts_equal_the_truth(year):
    engine, world, pairs = year
    with transaction(engine) as session:
        report = national_report(session=session, filters=Filters())
    expected = truth.municipality_totals(pairs)
    got = {m.id: (m.targeted, m.reached, m.acknowledged, m.confirmed, m.not_reached) for m in report.municipalities}
    assert got == {m: expected.get(m, (0, 0, 0, 0, 0)) for m in world.munis}
    gaps = truth.gaps(world)
    assert {g.code: g.missing for g in report.gaps} == gaps
    severity = truth.gap_severity(world)
    assert {g.code: g.severity for g in report.gaps} == severity
    assert {"no-address", "uncovered", "sectors"} <= set(severity.values())
    assert {g.code for g in report.gaps if g.fallback_failing} == {
        m["code"] for k, m in world.munis.items() if world.contacts.get(f"f{k}", {}).get("status") == "bouncing"
        and m["code"] in gaps}
    assert {g.key: g.municipalities for g in report.gaps_by_sector} == {
        s: n for s in simulation.SECTORS if (n := sum(s in m for m in gaps.values()))}
    assert {c.email for c in report.bouncing} == truth.bouncing(world)


def test_each_office_sees_exactly_its_own_figures(year):
    engine, world, pairs = year
    for office in world.offices:
        own = [p for p in pairs if p["office"] == str(office)]
        with transaction(engine) as session:
            report = national_report(session=session, filters=Filters(office_id=office))
        assert _plain(report.totals) == truth.figures(own)
        assert _same(_by_key(report.by_sector), truth.grouped(own, "sector"))
        assert _same(_by_key(report.by_month), truth.grouped(own, "month"))
        assert {g.code: g.missing for g in report.gaps} == truth.gaps(world, office)
        assert {c.email for c in report.bouncing} == truth.bouncing(world, office)
        assert {m.id for m in report.municipalities} == {m for m, v in world.munis.items() if v["office"] == office}


@pytest.mark.parametrize("field", ["county_id", "sector", "body", "month"])
def test_every_filter_gives_the_truth_of_its_slice(year, field):
    engine, world, pairs = year
    key = {"county_id": "county", "month": "month", "sector": "sector", "body": "body"}[field]
    values = sorted({v for p in pairs for v in (p["sectors"] if key == "sector" else [p[key]])})
    for value in values:
        if field == "month":
            filters = Filters(start=value, end=value)
        else:
            filters = Filters(**{field: int(value) if field == "county_id" else value})
        own = [p for p in pairs if (value in p["sectors"] if key == "sector" else p[key] == value)]
        with transaction(engine) as session:
            report = national_report(session=session, filters=filters)
        assert _plain(report.totals) == truth.figures(own), value
        # Every breakdown under the filter: each reads its own grain (county × body × sector kept or not).
        for dimension in ("office", "county", "sector", "body", "month"):
            want = truth.grouped(own, dimension)
            if field == "sector" and dimension == "sector":
                want = {value: want[value]}  # the sector filter keeps its own row of the sector table
            assert _same(_by_key(getattr(report, f"by_{dimension}")), want), (value, dimension)


def test_one_alert_shows_who_acknowledged_and_each_contacts_ladder(year):
    engine, world, pairs = year
    key = max((k for k, a in world.alerts.items() if a["status"] == "active"), key=lambda k: len(world.alerts[k]["targets"]))
    own = [p for p in pairs if p["alert"] == key]
    with transaction(engine) as session:
        report = alert_report(session=session, alert_id=world.ids[key])
    assert _plain(report.totals) == truth.figures(own)
    assert {m.code for m in report.municipalities if m.acknowledged_at} == {
        world.munis[p["muni"]]["code"] for p in own if p["acknowledged"]}
    contacts = sum(len(m.contacts) for m in report.municipalities)
    assert contacts == sum(a["alert"] == key for a in world.assignments) + sum(
        a["alert"] == key and not any(x["alert"] == key and x["contact"] == a["contact"] for x in world.assignments)
        for a in world.acks)


def test_one_municipality_shows_its_history(year):
    engine, world, pairs = year
    muni_id = max(world.munis, key=lambda m: sum(p["muni"] == m for p in pairs))
    own = [p for p in pairs if p["muni"] == muni_id]
    with transaction(engine) as session:
        report = municipality_report(session=session, code=world.munis[muni_id]["code"])
    assert _plain(report.totals) == truth.figures(own)
    assert {a.alert_id for a in report.alerts} == {world.ids[p["alert"]] for p in own}
    assert report.missing_sectors == truth.gaps(world).get(world.munis[muni_id]["code"], [])


def test_the_annual_report_has_the_years_figures(year):
    engine, world, pairs = year
    with transaction(engine) as session:
        report = annual_report(session=session, year=simulation.YEAR)
    own = [p for p in pairs if p["month"].startswith(str(simulation.YEAR))]
    assert _plain(report.national.totals) == truth.figures(own)
    assert _same(_by_key(report.national.by_county), truth.grouped(own, "county"))
    assert _same(_by_key(report.national.by_sector), truth.grouped(own, "sector"))
    assert report.municipalities_total == 357
    assert report.municipalities_fully_covered == 357 - len(truth.gaps(world))


def test_a_rebuild_from_nothing_gives_the_same_aggregates(year):
    engine, _, _ = year

    def snapshot(session):
        out = {}
        for model in (ReportCell, ReportLatency, ReportMunicipalityMonth):
            rows = session.execute(select(model)).scalars().all()
            cols = [c.name for c in model.__table__.columns]
            out[model.__name__] = {tuple(getattr(r, c) for c in cols) for r in rows if _nonzero(r, model)}
        return out

    with transaction(engine) as session:
        before = snapshot(session)
    with transaction(engine) as session:
        rebuild(session=session)
    with transaction(engine) as session:
        assert snapshot(session) == before


def _nonzero(row, model) -> bool:
    keys = {c.name for c in model.__table__.primary_key.columns}
    return any(getattr(row, c.name) for c in model.__table__.columns if c.name not in keys)


def test_a_second_look_with_nothing_new_recounts_nothing(year):
    engine, _, _ = year
    assert ensure_fresh(engine) == 0


def test_the_ministry_dashboard_for_the_whole_year_is_small_and_lists_every_office_and_county(year, tmp_path):
    """Issue 18/21: the dashboard of 357 municipalities and a year of alerts stays under 100 KB of
    HTML, with every office and county listed (zeros too) and no table wider than seven columns."""
    import re

    from starlette.testclient import TestClient

    from relay.auth import session_cookie_value
    from relay.settings import load_settings
    from relay.web.app import SESSION_COOKIE, create_app
    from tests.factories import make_user

    engine, world, _ = year
    settings = load_settings(data_dir=tmp_path / "data", database_url=str(engine.url.render_as_string(False)),
                             base_url="https://relay.test", secret_key="test-signing-key-not-secret", scheduler=False)
    with transaction(engine) as session:
        reader = make_user(session, role="ministry")
        cookie = session_cookie_value(settings, reader)
    with TestClient(create_app(settings, engine), base_url="https://relay.test") as client:
        client.cookies.set(SESSION_COOKIE, cookie)
        page = client.get("/reports")
    assert page.status_code == 200
    html = page.text
    assert len(html.encode()) < 100_000, len(html.encode())
    assert html.index('id="evidence-headline"') < html.index('class="report-filters"')  # the headline first
    rows = re.findall(r'<table class="report-table" data-table="by_office">(.*?)</table>', html, re.S)[0]
    assert rows.count('<th scope="row">') == len(world.offices)
    for table in re.findall(r"<thead><tr>(.*?)</tr></thead>", html, re.S):
        assert table.count("<th ") <= 7
