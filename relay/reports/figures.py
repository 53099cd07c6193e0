"""Figures from the roll-ups: the ladder grouped by office, county, sector, issuing body or month.

These read report_cell and report_latency only, and of those only the grain a query needs: the
unfiltered dashboard reads month rows (× the grouped dimension) whatever the number of receipt events
(docs/reports.md, "Method").
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from relay.models import ReportCell, ReportLatency, ReportMunicipalityMonth
from relay.models.reports import GRAIN_BODY, GRAIN_COUNTY, GRAIN_OFFICE, GRAIN_SECTOR, LADDER
from relay.reports.schemas import FOLLOW_UPS, Figures, Filters

DIMENSIONS = ("office_id", "county_id", "sector", "body", "month")
_FU_COLUMNS = ("fu_not_relevant", "fu_noted", "fu_will_follow_up", "fu_followed_up")


def grain_of(filters: Filters, dimension: str | None) -> int:
    """The grain that keeps exactly the dimensions this query filters or groups by."""
    grain = 0
    if filters.county_id is not None or dimension == "county_id":
        grain |= GRAIN_COUNTY
    if filters.body is not None or dimension == "body":
        grain |= GRAIN_BODY
    if filters.sector or dimension == "sector":
        grain |= GRAIN_SECTOR
    if filters.office_id is not None or dimension == "office_id" or grain & GRAIN_COUNTY:
        grain |= GRAIN_OFFICE  # the county grains keep the office too (models/reports.py)
    return grain


def _filtered(query, model, filters: Filters, dimension: str | None):
    # One grain only: "*" rows count each pair once, sector rows once per sector of the alert,
    # and each grain counts every pair exactly once more, so grains must never be mixed.
    query = query.where(model.grain == grain_of(filters, dimension))
    if filters.sector:
        query = query.where(model.sector == filters.sector)
    if filters.body is not None:
        query = query.where(model.body == filters.body)
    if filters.county_id is not None:
        query = query.where(model.county_id == filters.county_id)
    if filters.office_id is not None:
        query = query.where(model.office_id == filters.office_id)
    if filters.start:
        query = query.where(model.month >= filters.start)
    if filters.end:
        query = query.where(model.month <= filters.end)
    return query


def histogram_median(histogram: list[tuple[int, int]]) -> float | None:
    """The exact median of the values a (value, count) histogram stands for."""
    histogram = [(v, n) for v, n in histogram if n]
    total = sum(n for _, n in histogram)
    if not total:
        return None
    wanted = ((total - 1) // 2, total // 2)  # the middle position(s), 0-based
    found, seen = [], 0
    for value, n in sorted(histogram):
        while len(found) < 2 and seen <= wanted[len(found)] < seen + n:
            found.append(value)
        seen += n
    return (found[0] + found[1]) / 2


def breakdown(session: Session, filters: Filters, dimension: str | None = None) -> dict[str, Figures]:
    """Figures per value of `dimension` (None: one total under the key ""): one GROUP BY over the
    cells and one over the latency histogram, each reading one grain's rows (grain_of)."""
    if dimension is not None and dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    group = [getattr(ReportCell, dimension)] if dimension else []
    sums = [func.coalesce(func.sum(getattr(ReportCell, name)), 0) for name in LADDER]
    query = _filtered(select(*group, *sums), ReportCell, filters, dimension)
    if group:
        query = query.group_by(*group)
    figures: dict[str, Figures] = {}
    for row in session.execute(query):
        key = str(row[0]) if group else ""
        values = {name: int(v) for name, v in zip(LADDER, row[len(group):], strict=True)}
        if not values["targeted"]:
            continue
        follow_up = {name: values.pop(column) for name, column in zip(FOLLOW_UPS, _FU_COLUMNS, strict=True)}
        figures[key] = Figures(key=key, follow_up=follow_up, **values)
    for key, median in medians(session, filters, dimension).items():
        if key in figures:
            figures[key].median_hours_to_ack = median
    return figures


def medians(session: Session, filters: Filters, dimension: str | None = None) -> dict[str, float | None]:
    group = [getattr(ReportLatency, dimension)] if dimension else []
    query = _filtered(select(*group, ReportLatency.hours, func.sum(ReportLatency.pairs)), ReportLatency, filters,
                      dimension).group_by(*group, ReportLatency.hours)
    histograms: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for row in session.execute(query):
        histograms[str(row[0]) if group else ""].append((row[-2], int(row[-1])))
    return {key: histogram_median(values) for key, values in histograms.items()}


def municipality_totals(session: Session, filters: Filters) -> dict[int, tuple[int, int, int, int, int]]:
    """municipality id → (targeted, reached, acknowledged, confirmed, not reached) over the period and office filter."""
    model = ReportMunicipalityMonth
    query = select(model.municipality_id, func.sum(model.targeted), func.sum(model.reached),
                   func.sum(model.acknowledged), func.sum(model.confirmed),
                   func.sum(model.not_reached)).group_by(model.municipality_id)
    if filters.start:
        query = query.where(model.month >= filters.start)
    if filters.end:
        query = query.where(model.month <= filters.end)
    if filters.office_id is not None:
        query = query.where(model.office_id == filters.office_id)
    return {m: tuple(int(v) for v in values) for m, *values in session.execute(query) if values[0]}
