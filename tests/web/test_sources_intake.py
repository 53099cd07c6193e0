"""The sources page shows each source's rejected records with their reasons, and its entries without a sector."""

from __future__ import annotations

from tests.intake.conftest import add_source, feed


def test_the_sources_page_shows_the_rejections(engine, client_for, world):
    add_source(engine, "echr-norway", "hudoc", instance="ECHR", respondent="NOR")
    feed(engine, "echr-norway", "hudoc/echr_window_mixed.json")
    page = client_for("admin").get("/admin/sources")
    assert page.status_code == 200
    assert 'id="rejected-echr-norway"' in page.text
    assert "column &#39;appno&#39; is a list where HUDOC sends text" in page.text
