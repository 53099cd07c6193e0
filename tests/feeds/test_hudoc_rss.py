"""feeds/hudoc_rss.py on written fixtures (SOURCES.md 13, rows 1–10) and on the real captures."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date

import pytest

from feeds import hudoc_rss
from feeds.records import FeedError, SourceConfig
from relay.http_response import Response
from tests.conftest import FIXTURES, shared_path

HUDOC = FIXTURES / "hudoc"


def source(instance: str | None = None, **fields) -> SourceConfig:
    params = {"instance": instance} if instance else {}
    return SourceConfig(key=f"hudoc-rss-{instance or 'any'}", kind="hudoc-rss", params=params, **fields)


def parse_fixture(name: str, instance: str | None = None):
    return hudoc_rss.parse((HUDOC / name).read_bytes(), source=source(instance))


def by_key(result):
    return {r.key: r for r in result.records}


def test_it_reads_the_itemid_from_the_json_in_the_link_fragment():
    records = by_key(parse_fixture("rss_echr.xml", "ECHR"))
    haugen = records["hudoc:001-237292"]
    assert haugen.title == "CASE OF HAUGEN v. NORWAY"
    assert haugen.url == "https://hudoc.echr.coe.int/eng?i=001-237292"
    assert (haugen.date, haugen.kind, haugen.body, haugen.states) == (date(2024, 10, 15), "judgment", "ECHR", ("NOR",))
    assert haugen.meta["appno"] == ["59476/21"] and haugen.meta["formation"] == "Chamber Judgment"


def test_it_keeps_one_record_for_an_id_repeated_in_the_feed():
    result = parse_fixture("rss_echr.xml", "ECHR")
    assert [r.key for r in result.records].count("hudoc:001-237292") == 1
    assert any("repeated an id" in w for w in result.warnings)


def test_it_normalises_titles_and_reads_states_after_v():
    records = by_key(parse_fixture("rss_echr.xml", "ECHR"))
    assert records["hudoc:001-168972"].title == "CASE OF A AND B v. NORWAY"
    assert records["hudoc:001-168972"].key_case is True  # Grand Chamber
    assert records["hudoc:001-207757"].states == ("RUS",)  # the applicant state is not a respondent
    assert records["hudoc:001-223873"].states == ("TUR",)  # TÜRKİYE, dotted capital I and all
    assert records["hudoc:001-81356"].title == "CASE OF FOLGERØ AND OTHERS v. NORWAY"


def test_it_ignores_the_channel_dates_and_infers_the_instance_from_the_link():
    result = parse_fixture("rss_echr.xml")  # no params.instance: the fragment's "itemid" names ECHR
    assert len(result.records) == 5


def test_it_keeps_joined_complaints_as_two_linked_records():
    records = by_key(parse_fixture("rss_esc.xml", "ESC"))
    a, b = records["esc:cc-198-2021-dmerits-en"], records["esc:cc-209-2022-dmerits-en"]
    assert a.title == b.title
    assert a.group_key == b.group_key == "esc:dmerits:198/2021+209/2022"
    assert a.states == ("NOR",) and a.kind == "decision"


def test_it_reads_esc_ids_with_slashes_and_newlines_in_titles():
    records = by_key(parse_fixture("rss_esc.xml", "ESC"))
    conclusion = records["esc:2023/def/NOR/31/1/EN"]
    assert conclusion.title == "Conclusions 2023 - Norway - Article 31-1"
    assert conclusion.kind == "conclusions" and conclusion.states == ("NOR",)
    assert "%2F" in conclusion.url and conclusion.url.startswith("https://hudoc.esc.coe.int/eng#")
    assert list(records).count("esc:cc-30-2005-Assessment4-en") == 1


def test_it_marks_placeholder_and_typo_dates_implausible():
    esc = by_key(parse_fixture("rss_esc.xml", "ESC"))["esc:XIV-1/def/ISL/1/1/EN"]
    assert (esc.date, esc.date_plausible, esc.date_raw) == (None, False, "Mon, 01 Jan 0001 00:00:00 GMT")
    ecri = by_key(parse_fixture("rss_ecri.xml", "ECRI"))["ecri:BIH-PR-VI-2024-433-ENG"]
    assert (ecri.date, ecri.date_plausible) == (None, False) and "2204" in ecri.date_raw
    ecrml = by_key(parse_fixture("rss_ecrml.xml", "ECRML"))["ecrml:NO-8th-ER-CM-2022-32E"]
    assert (ecrml.date, ecrml.date_plausible) == (None, False) and "0200" in ecrml.date_raw
    assert any("implausible" in w for w in ecrml.warnings)


def test_it_groups_sections_into_one_document_in_section_order():
    records = by_key(parse_fixture("rss_grevio.xml", "GREVIO"))
    norway = records["grevio:GREVIO-Inf(2022)30_Norway_Baseline_Evaluation_Report_Eng"]
    assert norway.title == "Baseline Evaluation Report NORWAY"
    assert norway.meta["section_ids"][0].endswith("-1") and norway.meta["section_ids"][-1].endswith("-7")
    assert norway.meta["sections"][0] == "Introduction"
    assert norway.meta["sections"][1] == "Baseline Evaluation Report NORWAY"  # empty title: description stands in
    assert norway.states == ("NOR",) and norway.date == date(2022, 11, 25)
    general = records["grevio:3_Focus section_Third_General_Report_on_GREVIOs_activities_HUDOC_ENG"]
    assert general.title.startswith("Third general report on GREVIO’s activities") and general.states == ()


def test_it_dates_a_document_by_its_plausible_sections():
    records = by_key(parse_fixture("rss_fcnm.xml", "FCNM"))
    fourth, fifth = records["fcnm:4th_OP_Norway_public_en"], records["fcnm:5th_OP_Norway_en"]
    assert (fourth.date, fourth.date_plausible) == (None, False)
    assert fifth.title == "Fifth Opinion on Norway" and fifth.date == date(2022, 5, 19)


def test_it_takes_states_from_the_text_never_from_the_id():
    records = by_key(parse_fixture("rss_ecrml.xml", "ECRML"))
    assert records["ecrml:NO-8th-ER-CM-2022-32E"].states == ("NOR",)
    assert records["ecrml:NOR-8th-CM-RecChL-2022-3E"].states == ("NOR",)
    assert records["ecrml:NOR-8th-CM-RecChL-2022-3E"].kind == "recommendation"
    assert records["ecrml:CM_Rec UK"].states == ("GBR",)  # an id with a space, stored as given
    ecri = by_key(parse_fixture("rss_ecri.xml", "ECRI"))
    assert ecri["ecri:DNK-ESP-EST-GBR-RUS-PR-I-1999-005-ENG"].states == ()  # id prefixes are ignored
    assert ecri["ecri:FRA-GRC-NOR-PR-II-2000-013-ENG"].states == ("FRA", "GRC", "NOR")  # from the title


def test_it_reduces_script_in_titles_to_text():
    records = parse_fixture("rss_script.xml", "COMMHR").records
    assert [r.title for r in records] == ["Report on Norway & follow-up", "Letter to the Minister of Norway"]
    assert all("<" not in r.title and "alert" not in r.title for r in records)


@pytest.mark.parametrize("name", ["xxe.xml", "billion_laughs.xml"])
def test_it_refuses_entity_attacks(name):
    with pytest.raises(FeedError, match="entities"):
        parse_fixture(name, "ECHR")


def test_it_refuses_an_html_page():
    with pytest.raises(FeedError, match="<html>"):
        parse_fixture("html_error.html", "ECHR")


def test_it_refuses_an_unknown_instance():
    with pytest.raises(FeedError, match="Unknown HUDOC instance"):
        parse_fixture("rss_echr.xml", "NOPE")


class FakeHttp:
    def __init__(self, response: Response):
        self.response, self.calls = response, []

    def get(self, url, *, params=None, headers=None, etag=None, last_modified=None, expect=None, max_bytes=None):
        self.calls.append({"url": url, "headers": headers, "etag": etag, "last_modified": last_modified,
                           "expect": expect})
        return self.response


def test_fetch_makes_one_conditional_get_of_the_instance_feed():
    http = FakeHttp(Response(304, "https://hudoc.esc.coe.int/x", {}, b"", not_modified=True, etag='"v1"'))
    payloads = list(hudoc_rss.fetch(source("ESC", etag='"v1"', last_modified="Sun, 25 May 2025 00:00:00 GMT"),
                                    since=None, http=http))
    (call,) = http.calls
    assert call["url"].startswith("https://hudoc.esc.coe.int/app/transform/rss?library=esceng")
    assert (call["etag"], call["last_modified"], call["expect"]) == ('"v1"', "Sun, 25 May 2025 00:00:00 GMT", "xml")
    assert call["headers"] is None
    assert payloads[0].not_modified and payloads[0].etag == '"v1"'


# --- the real captures in ../shared/samples/hudoc ------------------------------------------------

INSTANCE_OF = {"echr": "ECHR", "esc": "ESC", "exec": "EXEC", "cpt": "CPT", "ecri": "ECRI", "greta": "GRETA",
               "grevio": "GREVIO", "fcnm": "FCNM", "ecrml": "ECRML", "greco": "GRECO", "commhr": "COMMHR"}


def capture(name: str):
    path = shared_path("samples", "hudoc", f"rss_{name}.xml")
    return hudoc_rss.parse(path.read_bytes(), source=source(INSTANCE_OF[name]))


@pytest.mark.parametrize("name", sorted(INSTANCE_OF))
def test_every_capture_parses_to_unique_https_records_with_titles(name):
    result = capture(name)
    keys = [r.key for r in result.records]
    assert keys and len(keys) == len(set(keys))
    assert all(r.url.startswith(f"https://hudoc.{name}.coe.int/") for r in result.records)
    assert all(r.title and r.title == r.title.strip() and "\n" not in r.title for r in result.records)
    assert all(r.date is None or 1950 <= r.date.year for r in result.records)


def test_the_echr_capture_holds_2000_judgments_16_against_norway():
    records = capture("echr").records
    assert len(records) == 2000  # not in date order: every item is read, no early stop
    norway = {r.key for r in records if "NOR" in r.states}
    assert len(norway) == 16
    assert {"hudoc:001-237292", "hudoc:001-195909", "hudoc:001-214433", "hudoc:001-168972",
            "hudoc:001-81356"} <= norway


def test_the_esc_capture_keeps_one_record_for_its_repeated_id_and_links_joined_complaints():
    records = capture("esc").records
    assert len(records) == 1999
    assert [r.key for r in records].count("esc:cc-30-2005-Assessment4-en") == 1
    joined = {r.key: r.group_key for r in records if r.key in ("esc:cc-198-2021-dmerits-en",
                                                               "esc:cc-209-2022-dmerits-en")}
    assert len(joined) == 2 and len(set(joined.values())) == 1
    assert sum(1 for r in records if "NOR" in r.states) == 50
    assert sum(1 for r in records if not r.date_plausible) == 32


def test_the_grevio_capture_fills_its_empty_titles():
    records = capture("grevio").records
    norway = next(r for r in records if r.key == "grevio:GREVIO-Inf(2022)30_Norway_Baseline_Evaluation_Report_Eng")
    # 62 numbered sections (n/62) plus a whole-document row numbered 0, whose title is empty.
    assert len(norway.meta["sections"]) == 63 and all(norway.meta["sections"])
    assert norway.meta["section_ids"][0].endswith("-0") and norway.title == "Baseline Evaluation Report NORWAY"


def test_the_fcnm_capture_marks_its_0001_dates_implausible():
    records = by_key(capture("fcnm"))
    implausible = [r for r in records.values() if not r.date_plausible]
    assert implausible and all(r.date is None and "0001" in r.date_raw for r in implausible)
    fifth = records["fcnm:5th_OP_Norway_en"]
    assert (fifth.date, len(fifth.meta["sections"]), fifth.states) == (date(2022, 5, 19), 15, ("NOR",))


def test_the_ecri_and_ecrml_captures_mark_2204_and_0200_implausible():
    assert any("2204" in (r.date_raw or "") and not r.date_plausible for r in capture("ecri").records)
    assert sum(1 for r in capture("ecrml").records if "0200" in (r.date_raw or "") and not r.date_plausible) >= 1


def test_norway_items_in_the_other_captures():
    assert {r.key for r in capture("exec").records if "NOR" in r.states} == {"exec:004-67931"}
    assert len([r for r in capture("commhr").records if "NOR" in r.states]) == 6
    assert "greta:NOR-REP-3-2022-07-ENG" in {r.key for r in capture("greta").records if "NOR" in r.states}
    assert not [r for r in capture("cpt").records if "NOR" in r.states]


def test_parse_throughput_on_the_echr_capture_is_reasonable():
    raw = shared_path("samples", "hudoc", "rss_echr.xml").read_bytes()
    started = time.perf_counter()
    records = hudoc_rss.parse(raw, source=source("ECHR")).records
    assert len(records) / (time.perf_counter() - started) > 2_000  # items per second; informal floor
    assert Counter(r.kind for r in records)["judgment"] == 2000


def test_it_refuses_another_sites_feed():
    with pytest.raises(FeedError, match="not a HUDOC ECHR feed"):
        parse_fixture("rss_esc.xml", "ECHR")


def test_the_demo_feed_and_json_merge_through_the_itemid_alias():
    from pathlib import Path

    from feeds import hudoc

    demo = Path(hudoc_rss.__file__).resolve().parent.parent / "relay" / "demo" / "data"
    rss = hudoc_rss.parse((demo / "hudoc_echr_norway.xml").read_bytes(), source=source("ECHR")).records
    json_records = hudoc.parse((demo / "hudoc_echr_norway.json").read_bytes(),
                               source=SourceConfig(key="d", kind="hudoc", params={"instance": "ECHR"})).records
    assert {r.key for r in rss} >= {alias for r in json_records for alias in r.aliases}
