"""feeds/hudoc.py: the JSON envelope (SOURCES.md 2.1, written from the description), the real
1,000-row metadata sample, and fetch's windows, counts and silent-substitution checks."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest

from feeds import hudoc
from feeds.hudoc_instances import parse_date
from feeds.records import FeedError, SourceConfig
from relay.http_response import Response
from tests.conftest import FIXTURES, shared_path

HUDOC = FIXTURES / "hudoc"


def source(instance: str = "ECHR", **fields) -> SourceConfig:
    params = {"instance": instance, **fields.pop("params", {})}
    return SourceConfig(key=f"hudoc-{instance.lower()}", kind="hudoc", params=params, **fields)


def parse_fixture(name: str, instance: str = "ECHR", **params):
    return hudoc.parse((HUDOC / name).read_bytes(), source=source(instance, params=params))


def by_key(result):
    return {r.key: r for r in result.records}


# --- parse -------------------------------------------------------------------------------------

def test_it_keys_echr_rows_on_ecli_and_language_with_the_itemid_as_alias():
    result = parse_fixture("echr_norway.json")
    assert result.total == 6  # resultcount given as a string
    aune = by_key(result)["ECLI:CE:ECHR:2010:1028JUD005250207:ENG"]
    assert aune.aliases == ("hudoc:001-101458",)
    assert aune.group_key == "ECLI:CE:ECHR:2010:1028JUD005250207"
    assert (aune.kind, aune.body, aune.states, aune.language) == ("judgment", "ECHR", ("NOR",), "en")
    assert aune.url == "https://hudoc.echr.coe.int/eng?i=001-101458"
    assert aune.meta["kpthesaurus"] == ["451", "425", "268", "376", "354"] and aune.meta["appno"] == ["52502/07"]
    assert aune.meta["issue"] == "Section 4-20 of the Child Welfare Act 1992"
    assert aune.meta["nonviolation"] == "8" and aune.key_case is False


def test_it_reads_both_kpdate_formats_and_upper_cases_the_ecli():
    records = by_key(parse_fixture("echr_norway.json"))
    english = records["ECLI:CE:ECHR:2010:1028JUD005250207:ENG"]
    french = records["ECLI:CE:ECHR:2010:1028JUD005250207:FRE"]  # ecli written lower-case in the row
    assert english.date == french.date == date(2010, 10, 28)
    assert (english.date_raw, french.date_raw) == ("10/28/2010 12:00:00 AM", "2010-10-28T00:00:00")
    assert french.language == "fr" and french.group_key == english.group_key


def test_it_links_norwegian_translations_and_marks_key_cases():
    translation = by_key(parse_fixture("echr_norway.json"))["ECLI:CE:ECHR:2019:0910JUD003728313:NOR"]
    assert translation.language == "nb" and translation.key_case is True
    assert translation.group_key == "ECLI:CE:ECHR:2019:0910JUD003728313"
    assert "[Norwegian Translation]" in translation.title


def test_it_warns_when_kpdate_and_judgementdate_disagree_and_cleans_titles():
    decision = by_key(parse_fixture("echr_norway.json"))["ECLI:CE:ECHR:2023:0307DEC001234521:ENG"]
    assert decision.date == date(2023, 3, 7) and any("disagree" in w for w in decision.warnings)
    assert decision.kind == "decision" and decision.states == ("NOR", "SWE")
    assert decision.title == "X AND Y v. NORWAY & SWEDEN"
    assert decision.meta["appno"] == ["12345/21", "23456/21"]


def test_it_keeps_an_implausible_date_raw_only():
    wrong = by_key(parse_fixture("echr_norway.json"))["ECLI:CE:ECHR:1900:0101JUD000000100:ENG"]
    assert (wrong.date, wrong.date_plausible, wrong.date_raw) == (None, False, "1/1/1900 12:00:00 AM")


def test_a_row_without_ecli_is_keyed_on_its_itemid():
    summary = by_key(parse_fixture("echr_norway.json"))["hudoc:002-13000"]
    assert summary.kind == "legal-summary" and summary.aliases == () and summary.group_key is None


def test_it_refuses_rows_against_another_state_than_the_source_asks_for():
    with pytest.raises(FeedError, match="ignored the filter") as caught:
        parse_fixture("echr_substituted.json", respondent="NOR")
    assert caught.value.retryable is False


@pytest.mark.parametrize("raw", [b"", b"<!DOCTYPE html><html>challenge</html>", b"{not json", b'{"rows": []}',
                                 b'{"resultcount": "many", "results": []}'])
def test_it_refuses_bodies_that_are_not_the_envelope(raw):
    with pytest.raises(FeedError):
        hudoc.parse(raw, source=source())


def test_esc_rows_keep_their_own_id_and_clean_contentbody():
    records = by_key(parse_fixture("esc.json", "ESC"))
    merits = records["esc:cc-198-2021-dmerits-en"]
    assert merits.text == "The Committee concludes that there is a violation."
    assert merits.date == date(2023, 9, 13) and merits.key_case is True and merits.kind == "decision"
    assert merits.group_key == records["esc:cc-209-2022-dmerits-en"].group_key  # joined complaints: two items
    conclusion = records["esc:2023/def/NOR/31/1/EN"]
    assert conclusion.states == ("NOR",)  # the state as a name
    assert conclusion.title == "Conclusions 2023 - Norway - Article 31-1"
    assert (conclusion.date, conclusion.date_plausible) == (None, False)
    assert records["esc:cc-240-2024-dadmissandimmed-en"].language == "fr"


def test_exec_rows_keep_the_application_number_of_the_judgment():
    (record,) = parse_fixture("exec.json", "EXEC").records
    assert record.key == "exec:004-67931" and record.meta["execappno"] == ["59476/21"]
    assert record.date == date(2025, 3, 24) and record.states == ("NOR",)
    assert record.text == "Adoption & contact rights."


def test_sectioned_rows_become_one_document():
    (report,) = parse_fixture("cpt_sections.json", "CPT").records
    assert report.key == "cpt:p-nor-20240101-en"
    assert report.title == "Report to the Norwegian Government on the visit to Norway"
    assert report.meta["sections"] == ["Executive summary", "I. Introduction", "II. Facts found / Child welfare institutions"]
    assert report.date == date(2024, 6, 3) and report.states == ("NOR",) and report.body == "CPT"


# --- the real 1,000-row metadata sample ----------------------------------------------------------

def sample_rows() -> list[dict]:
    path = shared_path("samples", "labelled", "hudoc_raw_metadata_sample1000.jsonl")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def envelope(rows, count=None) -> bytes:
    return json.dumps({"resultcount": len(rows) if count is None else count,
                       "results": [{"columns": r} for r in rows]}).encode()


def test_the_sample_gives_one_record_per_ecli_and_language():
    rows = sample_rows()
    records = hudoc.parse(envelope(rows), source=source()).records
    assert len(records) == len({r.key for r in records}) == 1000
    assert all(r.aliases == (f"hudoc:{r.meta['itemid']}",) for r in records)
    assert all(r.date and not r.warnings for r in records)
    aune = [r for r in records if r.meta["itemid"] in ("001-101458", "001-101499")]
    assert len({r.group_key for r in aune}) == 1 and len({r.key for r in aune}) == 2


def test_the_sample_dates_read_the_same_in_both_kpdate_formats():
    rows = sample_rows()
    iso = []
    for row in rows:
        day = hudoc.parse(envelope([row]), source=source()).records[0].date
        iso.append({**row, "kpdate": f"{day.isoformat()}T00:00:00"})
    us = [r.date for r in hudoc.parse(envelope(rows), source=source()).records]
    assert us == [r.date for r in hudoc.parse(envelope(iso), source=source()).records]


# --- fetch ------------------------------------------------------------------------------------

WINDOW = re.compile(r'kpdate>="([\d-]+)" AND kpdate<="([\d-]+)"')


class FakeHudoc:
    """Answers /app/query/results like HUDOC: date filter, paging, and the 10,000-row cap."""

    def __init__(self, rows, *, count_as_str=False, substitute=None, short_by=0):
        self.rows, self.calls = rows, []
        self.count_as_str, self.substitute, self.short_by = count_as_str, substitute, short_by

    def get(self, url, *, params=None, headers=None, etag=None, last_modified=None, expect=None, max_bytes=None):
        self.calls.append({"url": url, "params": dict(params), "headers": headers, "expect": expect})
        if self.substitute is not None:
            body = self.substitute
        else:
            lo, hi = (date.fromisoformat(d) for d in WINDOW.search(params["query"]).groups())
            hits = [r for r in self.rows if lo <= parse_date(r["kpdate"]) <= hi]
            start, length = int(params["start"]), int(params["length"])
            page = [] if start + length > 10_000 else hits[start:start + length]
            if self.short_by and start + length >= len(hits):
                page = page[:-self.short_by] if page else page
            count = len(hits)
            body = envelope(page, str(count) if self.count_as_str else count)
        return Response(200, url, {"content-type": "application/json"}, body)


def row(n: int, day: date, respondent="NOR") -> dict:
    return {"itemid": f"001-{n}", "ecli": f"ECLI:CE:ECHR:{day.year}:{n:08d}", "languageisocode": "ENG",
            "respondent": respondent, "kpdate": f"{day.month}/{day.day}/{day.year} 12:00:00 AM",
            "docname": f"CASE OF N{n} v. NORWAY", "doctype": "HEJUD"}


def run(http, **kwargs) -> list:
    src = kwargs.pop("src", None) or source(params={"respondent": "NOR", "from": "2023-01-01"})
    return list(hudoc.fetch(src, since=kwargs.pop("since", None), http=http, today=date(2024, 6, 30)))


def test_fetch_pages_year_windows_and_checks_the_counts():
    rows = [row(n, date(2023, 1, 1) + timedelta(days=n % 365)) for n in range(1, 1201)]
    rows += [row(5000 + n, date(2024, 2, 1)) for n in range(3)]
    http = FakeHudoc(rows, count_as_str=True)
    payloads = run(http)
    assert [hudoc.parse(p.body, source=source()).total for p in payloads] == [1200, 3]
    first = http.calls[0]["params"]
    assert first["query"] == 'contentsitename:ECHR AND respondent:"NOR" AND kpdate>="2023-01-01" AND kpdate<="2023-12-31"'
    assert first["length"] == 500 and first["rankingModelId"] == hudoc.RANKING_MODEL
    assert first["sort"] == "itemid Ascending" and "ecli" in first["select"].split(",")
    assert [c["params"]["start"] for c in http.calls] == [0, 500, 1000, 0]
    assert payloads[-1].cursor == "2024-02-01"
    assert http.calls[0]["url"] == "https://hudoc.echr.coe.int/app/query/results" and http.calls[0]["expect"] == "json"


def test_fetch_halves_a_window_that_holds_more_than_10000_rows():
    start = date(2023, 1, 1)
    rows = [row(n, start + timedelta(days=n % 365)) for n in range(12_000)]
    http = FakeHudoc(rows)
    payloads = run(http)
    records = [r for p in payloads for r in hudoc.parse(p.body, source=source()).records]
    assert len(records) == len({r.key for r in records}) == 12_000
    windows = [WINDOW.search(c["params"]["query"]).groups() for c in http.calls if c["params"]["start"] == 0]
    assert windows[:3] == [("2023-01-01", "2023-12-31"), ("2023-01-01", "2023-07-02"), ("2023-07-03", "2023-12-31")]
    assert all(c["params"]["start"] + c["params"]["length"] <= 10_000 for c in http.calls)


def test_fetch_fails_when_a_window_delivers_fewer_rows_than_resultcount():
    rows = [row(n, date(2023, 3, 1)) for n in range(1, 8)]
    with pytest.raises(FeedError, match="received 6 rows but resultcount is 7"):
        run(FakeHudoc(rows, short_by=1))


def test_fetch_refuses_a_silently_substituted_result_set():
    body = (HUDOC / "echr_substituted.json").read_bytes()
    with pytest.raises(FeedError, match="silent substitution") as caught:
        run(FakeHudoc([], substitute=body))
    assert caught.value.retryable is False


def test_fetch_refuses_rows_dated_outside_the_window():
    body = envelope([row(1, date(2010, 10, 28))])
    with pytest.raises(FeedError, match="outside 2023-01-01..2023-12-31"):
        run(FakeHudoc([], substitute=body))


def test_fetch_starts_at_the_cursor_minus_the_overlap_and_sends_only_the_sources_headers():
    browser = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)", "Referer": "https://hudoc.echr.coe.int/"}
    http = FakeHudoc([row(1, date(2024, 5, 1))])
    src = source(params={"respondent": ["NOR"], "languages": ["ENG", "FRE"]}, cursor="2024-03-29", headers=browser)
    payloads = run(http, src=src)
    query = http.calls[0]["params"]["query"]
    assert 'kpdate>="2024-03-01"' in query and '(languageisocode:"ENG" OR languageisocode:"FRE")' in query
    assert http.calls[0]["headers"] == browser
    assert payloads[-1].cursor == "2024-05-01"
    assert run(FakeHudoc([]), src=source(params={"from": "2024-01-01"})) == []


def test_fetch_never_moves_the_cursor_back():
    http = FakeHudoc([row(1, date(2024, 3, 10))])
    payloads = run(http, src=source(cursor="2024-04-01"))
    assert payloads[-1].cursor == "2024-04-01"


def test_fetch_asks_for_one_application_and_refuses_rows_of_another():
    body = envelope([{**row(1, date(2023, 5, 1)), "appno": "12345/20"}])
    http = FakeHudoc([], substitute=body)
    with pytest.raises(FeedError, match="appno"):
        run(http, src=source(params={"appno": "58170/13", "from": "2023-01-01"}))
    assert 'appno:"58170/13"' in http.calls[0]["params"]["query"]


def test_other_sites_are_asked_for_the_state_by_code_and_by_name():
    from feeds.hudoc_instances import INSTANCES

    esc = hudoc.build_query(INSTANCES["ESC"], {"respondent": ["NOR"]}, date(2024, 1, 1), None)
    assert '(escstateparty:"NOR" OR escstateparty:"Norway")' in esc
    echr = hudoc.build_query(INSTANCES["ECHR"], {"respondent": ["NOR"]}, None, None)
    assert echr == 'contentsitename:ECHR AND respondent:"NOR"'  # alpha-3 only, as the sample shows


@pytest.mark.parametrize("params, problem", [
    ({"instance": "ECHR", "respondnet": ["NOR"]}, "unknown param 'respondnet'"),
    ({"instance": "ECHO"}, "must name a HUDOC site"),
    ({}, "must name a HUDOC site"),
    ({"instance": "ECHR", "overlap_days": "28"}, "'overlap_days' must be int"),
    ({"instance": "ECHR", "from": "last spring"}, "'from' must be a date"),
])
def test_check_params_names_what_is_wrong(params, problem):
    assert any(problem in p for p in hudoc.check_params(params)), hudoc.check_params(params)


def test_check_params_accepts_a_full_source():
    params = {"instance": "ECHR", "respondent": ["NOR"], "languages": ["ENG", "FRE"], "importance": 1,
              "collections": "JUDGMENTS", "from": "2020-01-01", "overlap_days": 14, "extra": "x", "appno": ["1/20"],
              "headers": {"Referer": "https://hudoc.echr.coe.int/"}}
    assert hudoc.check_params(params) == []


def test_a_cpt_document_without_a_title_column_is_named_from_its_reported_fields():
    # SOURCES.md 4 lists no title column for CPT: reference, state and visit year stand in.
    data = json.loads((HUDOC / "cpt_sections.json").read_text())
    for row in data["results"]:
        row["columns"].pop("cptdocumenttitle", None)
        row["columns"].update(cptdocumentreference="CPT/Inf(2024)07", cptvisityear="2023")
    (report,) = hudoc.parse(json.dumps(data).encode(), source=source("CPT")).records
    assert report.title == "CPT/Inf(2024)07 – Norway – 2023"


def test_fetch_keeps_a_window_with_a_few_odd_rows_and_parse_rejects_only_those():
    """Issue 20: one row outside the filter or with an odd date no longer refuses the whole window."""
    good = [row(n, date(2023, 5, n)) for n in range(1, 4)]
    odd_date = {**row(4, date(2023, 5, 4)), "kpdate": "31/31/2023"}
    other_state = row(5, date(2023, 5, 5), respondent="GBR")
    outside = row(6, date(2010, 10, 28))
    body = envelope([*good, odd_date, other_state, outside])
    src = source(params={"respondent": "NOR", "from": "2023-01-01"})
    payloads = list(hudoc.fetch(src, since=None, http=FakeHudoc([], substitute=body), today=date(2023, 12, 31)))
    result = hudoc.parse(payloads[0].body, source=src)
    assert [r.aliases[0] for r in result.records] == ["hudoc:001-1", "hudoc:001-2", "hudoc:001-3", "hudoc:001-4"]
    assert result.records[3].date is None and result.records[3].date_raw == "31/31/2023"
    assert {r.record: r.reason for r in result.rejected} == {
        "row 5 (001-5)": "has respondent 'GBR', not NOR",
        "row 6 (001-6)": "has kpdate '10/28/2010 12:00:00 AM', outside 2023-01-01..2023-12-31",
    }
    assert payloads[0].cursor == "2023-05-03"  # rejected and undated rows never move the cursor
