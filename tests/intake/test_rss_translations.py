"""A HUDOC RSS Norwegian translation has no ECLI: it joins its case's entry by application numbers and
judgment date (case name where no number is given), in either order of arrival, and never joins another
case decided the same day, another judgment in the same application, or a case it cannot tell apart."""

from __future__ import annotations

from sqlalchemy import select

from relay.db import transaction
from relay.models import ItemChange
from relay.store.translations import case_name
from tests.conftest import FIXTURES
from tests.intake.conftest import add_source, feed, items

VERSIONS = (FIXTURES / "hudoc" / "echr_norway_versions.json").read_text(encoding="utf-8")
ENGLISH_AND_FRENCH = "\n".join(line for line in VERSIONS.splitlines() if '"languageisocode": "NOR"' not in line)
LOBBEN, ABDI = "ECLI:CE:ECHR:2019:0910JUD003728313:ENG", "ECLI:CE:ECHR:2021:1210JUD001540515:ENG"
LOBBEN_NOR, ABDI_NOR = "hudoc:001-206452", "hudoc:001-213782"
OTHERS = ("hudoc:001-206399", "hudoc:001-207601", "hudoc:001-209900")  # another case, date, unreadable date


def _sources(engine):
    add_source(engine, "echr-json", "hudoc", instance="ECHR", respondent="NOR")
    add_source(engine, "echr-rss", "hudoc-rss", instance="ECHR")


def _entries(engine) -> set[str]:
    return {key for key, item in items(engine).items() if item.primary_item_id is None}


def test_an_rss_translation_joins_the_case_the_json_api_stored(engine):
    _sources(engine)
    feed(engine, "echr-json", ENGLISH_AND_FRENCH.encode())
    result = feed(engine, "echr-rss", "hudoc/rss_echr_norwegian.xml")
    assert result.ok and result.new == 5
    stored = items(engine)
    assert stored[LOBBEN_NOR].language == "nb" and stored[LOBBEN_NOR].primary_item_id == stored[LOBBEN].id
    assert stored[ABDI_NOR].primary_item_id == stored[ABDI].id
    assert stored[LOBBEN_NOR].group_key == stored[LOBBEN].group_key  # the ECLI the JSON record will bring
    for key in OTHERS:  # never joined to a case it is not
        assert stored[key].primary_item_id is None, key
    with transaction(engine) as session:
        change = session.scalars(select(ItemChange).where(ItemChange.item_id == stored[LOBBEN].id)
                                 .order_by(ItemChange.id.desc())).first()
        assert change.changes["version_item"] == [None, LOBBEN_NOR]
    entries = _entries(engine)

    # The JSON API brings the translations' ECLIs later: the same items, nothing new, still attached.
    again = feed(engine, "echr-json", VERSIONS.encode())
    assert again.new == 0
    after = items(engine)
    nor = next(i for i in after.values() if i.key == "ECLI:CE:ECHR:2019:0910JUD003728313:NOR")
    assert nor.id == stored[LOBBEN_NOR].id and nor.primary_item_id == stored[LOBBEN].id
    assert _entries(engine) == {key if key != LOBBEN_NOR else nor.key for key in entries}


def test_an_rss_translation_that_came_first_joins_its_case_when_the_case_arrives(engine):
    _sources(engine)
    feed(engine, "echr-rss", "hudoc/rss_echr_norwegian.xml")
    assert {LOBBEN_NOR, ABDI_NOR, *OTHERS} <= _entries(engine)
    feed(engine, "echr-json", ENGLISH_AND_FRENCH.encode())
    stored = items(engine)
    assert stored[LOBBEN_NOR].primary_item_id == stored[LOBBEN].id
    assert stored[ABDI_NOR].primary_item_id == stored[ABDI].id
    assert all(stored[key].primary_item_id is None for key in OTHERS)


def test_a_translation_that_fits_two_entries_joins_neither(engine):
    # RSS alone lists Strand Lobben twice (its English and its French itemid, both titled in English):
    # with two fitting entries the translation cannot tell which is its case and stays on its own.
    _sources(engine)
    twice = "".join(
        f'<item><title>CASE OF STRAND LOBBEN AND OTHERS v. NORWAY</title><pubDate>Tue, 10 Sep 2019 00:00:00 GMT'
        f'</pubDate><description>37283/13 - Grand Chamber Judgment</description><link>http://hudoc.echr.coe.int/'
        f'eng#{{"itemid":["{itemid}"]}}</link></item>' for itemid in ("001-189277", "001-195909"))
    raw = (FIXTURES / "hudoc" / "rss_echr_norwegian.xml").read_text(encoding="utf-8")
    feed(engine, "echr-rss", raw.replace("<item>", twice + "<item>", 1).encode())
    stored = items(engine)
    assert stored["hudoc:001-189277"].primary_item_id is None and stored["hudoc:001-195909"].primary_item_id is None
    assert stored[LOBBEN_NOR].primary_item_id is None


def test_case_names_are_compared_without_the_translation_note():
    assert case_name("CASE OF A AND B v. NORWAY - [Norwegian Translation] by the Ministry") == "case of a and b v. norway"
    assert case_name("CASE OF  A AND B v. NORWAY") == "case of a and b v. norway"
    assert case_name("CASE OF A AND B v. NORWAY") != case_name("CASE OF A v. NORWAY - [Norwegian Translation]")
