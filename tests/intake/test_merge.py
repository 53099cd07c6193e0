"""A later, poorer arrival never overwrites better data: JSON API first, then RSS, no JSON field lost."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from relay.db import transaction
from relay.models import ItemChange, Source
from tests.conftest import FIXTURES
from tests.intake.conftest import add_source, feed, items

ABDI = "ECLI:CE:ECHR:2021:1210JUD001540515:ENG"


def test_json_first_then_rss_loses_no_field_of_the_json_record(engine):
    add_source(engine, "echr-json", "hudoc", instance="ECHR", respondent="NOR")
    add_source(engine, "echr-rss", "hudoc-rss", instance="ECHR")
    feed(engine, "echr-json", "hudoc/echr_norway_versions.json")
    before = items(engine)
    result = feed(engine, "echr-rss", "hudoc/rss_echr_versions.xml")
    assert result.ok and result.new == 0  # every RSS item is a JSON item already
    after = items(engine)
    assert set(after) == set(before)
    for key, item in before.items():
        for name in ("title", "states", "language", "date", "date_raw", "text", "url", "kind", "key_case", "body"):
            assert getattr(after[key], name) == getattr(item, name), (key, name)
        assert {k: v for k, v in after[key].meta.items() if k in item.meta} == item.meta | {
            "field_ranks": after[key].meta["field_ranks"]}
    abdi = after[ABDI]
    assert abdi.title == "CASE OF ABDI IBRAHIM v. NORWAY" and abdi.states == "NOR" and abdi.language == "en"
    assert abdi.date == date(2021, 12, 10) and abdi.text.startswith("Violation of Article 8")


def test_rss_first_then_json_takes_the_richer_values_and_records_each_change_with_its_source(engine):
    add_source(engine, "echr-json", "hudoc", instance="ECHR", respondent="NOR")
    add_source(engine, "echr-rss", "hudoc-rss", instance="ECHR")
    feed(engine, "echr-rss", "hudoc/rss_echr_versions.xml")
    assert items(engine)["hudoc:001-210489"].title == "15379/16 - Grand Chamber Judgment"
    feed(engine, "echr-json", "hudoc/echr_norway_versions.json")
    abdi = items(engine)[ABDI]
    assert abdi.title == "CASE OF ABDI IBRAHIM v. NORWAY" and abdi.states == "NOR" and abdi.language == "en"
    # RSS again: still nothing lost.
    feed(engine, "echr-rss", "hudoc/rss_echr_versions.xml")
    again = items(engine)[ABDI]
    assert (again.title, again.states, again.language, again.date) == (abdi.title, "NOR", "en", date(2021, 12, 10))
    with transaction(engine) as session:
        json_id = session.scalar(select(Source.id).where(Source.key == "echr-json"))
        change = session.scalars(select(ItemChange).where(ItemChange.item_id == abdi.id, ItemChange.changes.is_not(None))
                                 .order_by(ItemChange.id)).first()
        assert change.source_id == json_id
        assert change.changes["title"] == ["15379/16 - Grand Chamber Judgment", "CASE OF ABDI IBRAHIM v. NORWAY"]
        assert change.changes["states"] == ["", "NOR"]


def test_a_non_empty_value_is_never_replaced_by_an_empty_one_even_from_the_same_source(engine):
    add_source(engine, "echr-json", "hudoc", instance="ECHR", respondent="NOR")
    feed(engine, "echr-json", "hudoc/echr_norway_versions.json")
    emptied = (b'{"resultcount": "1", "results": [{"columns": {"itemid": "001-210489", "docname": "", '
               b'"ecli": "ECLI:CE:ECHR:2021:1210JUD001540515", "languageisocode": "ENG", "respondent": "NOR", '
               b'"kpdate": "", "conclusion": "", "doctype": "HEJUD"}}]}')
    feed(engine, "echr-json", emptied)
    abdi = items(engine)[ABDI]
    assert abdi.date == date(2021, 12, 10) and abdi.text.startswith("Violation") and abdi.states == "NOR"


def test_an_item_stored_before_ranks_were_kept_is_not_overwritten_by_rss(engine):
    add_source(engine, "echr-json", "hudoc", instance="ECHR", respondent="NOR")
    add_source(engine, "echr-rss", "hudoc-rss", instance="ECHR")
    feed(engine, "echr-json", "hudoc/echr_norway_versions.json")
    with transaction(engine) as session:  # as an item stored by an older Relay looks
        from relay.models import Item

        item = session.scalars(select(Item).where(Item.key == ABDI)).one()
        item.meta = {k: v for k, v in item.meta.items() if k != "field_ranks"}
    feed(engine, "echr-rss", "hudoc/rss_echr_versions.xml")
    abdi = items(engine)[ABDI]
    assert abdi.title == "CASE OF ABDI IBRAHIM v. NORWAY" and abdi.states == "NOR" and abdi.language == "en"


def test_the_english_version_is_the_entry_even_when_the_french_comes_first_in_the_page(engine):
    add_source(engine, "echr-json", "hudoc", instance="ECHR", respondent="NOR")
    raw = (FIXTURES / "hudoc" / "echr_norway_versions.json").read_text(encoding="utf-8")
    rows = raw.splitlines()
    french_first = "\n".join([rows[0], rows[2], rows[1], *rows[3:]])  # Strand Lobben: FRE row before ENG
    feed(engine, "echr-json", french_first.encode())
    stored = items(engine)
    english = stored["ECLI:CE:ECHR:2019:0910JUD003728313:ENG"]
    assert english.primary_item_id is None
    assert stored["ECLI:CE:ECHR:2019:0910JUD003728313:FRE"].primary_item_id == english.id


EMPTY_DOCNAME = (b'{"resultcount": "1", "results": [{"columns": {"itemid": "001-210489", "docname": "", '
                 b'"ecli": "ECLI:CE:ECHR:2021:1210JUD001540515", "languageisocode": "ENG", "respondent": "NOR", '
                 b'"kpdate": "12/10/2021 12:00:00 AM", "doctype": "HEJUD"}}]}')


def test_a_row_with_an_empty_docname_never_replaces_a_stored_title_with_the_itemid(engine):
    add_source(engine, "echr-json", "hudoc", instance="ECHR", respondent="NOR")
    add_source(engine, "echr-rss", "hudoc-rss", instance="ECHR")
    feed(engine, "echr-json", "hudoc/echr_norway_versions.json")
    feed(engine, "echr-json", EMPTY_DOCNAME)
    assert items(engine)[ABDI].title == "CASE OF ABDI IBRAHIM v. NORWAY"  # not "001-210489"
    # Nor an RSS item's empty title, for which the description stands in.
    feed(engine, "echr-rss", "hudoc/rss_echr_versions.xml")
    assert items(engine)[ABDI].title == "CASE OF ABDI IBRAHIM v. NORWAY"


def test_a_stand_in_title_gives_way_to_the_first_real_title_from_any_source(engine):
    add_source(engine, "echr-json", "hudoc", instance="ECHR", respondent="NOR")
    add_source(engine, "echr-rss", "hudoc-rss", instance="ECHR")
    feed(engine, "echr-json", EMPTY_DOCNAME)
    stored = items(engine)[ABDI]
    assert stored.title == "001-210489" and stored.meta["title_placeholder"] is True
    named = (b'<rss version="2.0"><channel><title>ECHR HUDOC Search Feed</title><item><title>CASE OF ABDI IBRAHIM v. '
             b'NORWAY</title><pubDate>Fri, 10 Dec 2021 00:00:00 GMT</pubDate><description>15379/16 - Grand Chamber '
             b'Judgment</description><link>http://hudoc.echr.coe.int/eng#{"itemid":["001-210489"]}</link></item>'
             b'</channel></rss>')
    feed(engine, "echr-rss", named)  # a poorer source, but a real title
    after = items(engine)[ABDI]
    assert after.title == "CASE OF ABDI IBRAHIM v. NORWAY" and "title_placeholder" not in after.meta
    feed(engine, "echr-json", EMPTY_DOCNAME)  # the empty docname again: the title stays
    assert items(engine)[ABDI].title == "CASE OF ABDI IBRAHIM v. NORWAY"
