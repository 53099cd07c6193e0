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


def test_the_sources_page_counts_the_relevant_entries_without_a_sector(engine, client_for, world):
    import re

    from sqlalchemy import delete, select

    from relay.db import transaction
    from relay.models import Item, Source, Tag

    add_source(engine, "echr-norway", "hudoc", instance="ECHR", respondent="NOR")
    feed(engine, "echr-norway", "hudoc/echr_norway_versions.json")
    with transaction(engine) as session:
        source_id = session.scalar(select(Source.id).where(Source.key == "echr-norway"))
        entries = session.scalars(select(Item.id).where(Item.source_id == source_id, Item.primary_item_id.is_(None))).all()
        session.execute(delete(Tag).where(Tag.item_id.in_(entries)))
        session.add(Tag(item_id=entries[0], sector="child-welfare", origin="human"))
    page = client_for("admin").get("/admin/sources").text
    row = re.search(r'<tr[^>]*data-source="echr-norway">(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r'<td class="num">(.*?)</td>', row, re.S)
    assert cells[-1].strip() == str(len(entries) - 1) == "3"  # four judgments, one placed by the governor
