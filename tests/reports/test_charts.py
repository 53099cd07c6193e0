"""The charts are well-formed SVG with a title and description, and no script or style."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from relay.i18n import translator
from relay.reports import charts
from relay.reports.schemas import Figures, MunicipalityFigures

SVG = "{http://www.w3.org/2000/svg}"
t = translator("en")


def _check(markup) -> ET.Element:
    root = ET.fromstring(str(markup))  # noqa: S314 - our own output
    assert root.get("role") == "img" and root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text
    ids = root.get("aria-labelledby").split()
    assert ids == [root.find(f"{SVG}title").get("id"), root.find(f"{SVG}desc").get("id")]
    assert not any(el.get("style") for el in root.iter()) and root.find(f".//{SVG}script") is None
    return root


def test_the_trend_marks_each_month_with_its_values():
    rows = [Figures(key="2025-01", label="2025-01", targeted=10, reached=9, acknowledged=4),
            Figures(key="2025-02", label="2025-02", targeted=0)]
    root = _check(charts.trend_chart(rows, t, "en"))
    titles = [el.text for el in root.iter(f"{SVG}title")]
    assert "2025-01: share delivered or confirmed 90 %" in titles and "2025-01: share acknowledged 40 %" in titles


def test_the_charts_write_numbers_as_the_tables_do_in_each_language():
    rows = [Figures(key="2025-01", label="2025-01", targeted=8, reached=1, acknowledged=1)]
    nb = _check(charts.bar_chart(rows, translator("nb"), "reports.chart.offices", "nb"))
    assert "12,5 %" in {el.text for el in nb.iter(f"{SVG}text")}  # as the table beside it: 12,5 %
    en = _check(charts.trend_chart(rows, t, "en"))
    assert any("12.5 %" in (el.text or "") for el in en.iter(f"{SVG}title"))


def test_the_bars_write_out_their_values():
    rows = [Figures(key="1", label="Statsforvalteren i Agder", targeted=4, reached=4, acknowledged=1)]
    root = _check(charts.bar_chart(rows, t, "reports.chart.offices", "en"))
    assert {el.text for el in root.iter(f"{SVG}text")} >= {"100 %", "25 %"}  # the tables' format


def test_the_tile_grid_has_a_tile_and_a_title_per_municipality():
    rows = [MunicipalityFigures(id=i, code=f"{i:04d}", name=f"K{i}", targeted=i % 3, acknowledged=min(1, i % 3))
            for i in range(357)]
    root = _check(charts.tile_grid(rows, t))
    tiles = [g for g in root.iter(f"{SVG}g")]
    assert len(tiles) == 357 and tiles[0].find(f"{SVG}title").text == "0000 K0: no alerts"
