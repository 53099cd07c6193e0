"""feeds.undl on the real MARCXML capture and on Norway treaty-body fixtures in the same shape."""

from __future__ import annotations

from datetime import date

import pytest

from feeds import undl
from feeds.records import FeedError, SourceConfig
from relay.http import FetchError, Response
from tests.conftest import FIXTURES, shared_path

SOURCE = SourceConfig(key="undl-nor", kind="undl", params={"symbols": ["CRC/C/NOR/*", "CEDAW/C/NOR/*"]})
XML = {"content-type": "text/xml; charset=utf-8"}


def fixture(name: str) -> bytes:
    return (FIXTURES / "undl" / name).read_bytes()


def by_key(result) -> dict:
    return {r.key: r for r in result.records}


class FakeHttp:
    """HttpClient.get's signature; answers from a queue and remembers every call."""

    def __init__(self, *answers):
        self.answers, self.calls = list(answers), []

    def get(self, url, *, params=None, headers=None, etag=None, last_modified=None, expect=None, max_bytes=None):
        self.calls.append({"url": url, "params": dict(params or {}), "headers": headers, "expect": expect})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return Response(200, url, XML, answer)


def test_it_reads_all_94_records_of_the_real_capture_and_its_total():
    result = undl.parse(shared_path("samples", "un-digitallibrary", "marcxml_A_C.3_78_L_drafts.xml").read_bytes(),
                        source=SOURCE)
    assert (len(result.records), result.total, result.warnings) == (94, 94, [])
    first = by_key(result)["un:A/C.3/78/L.49/REV.1"]
    assert first.aliases == ("undl:4026910",)
    assert first.url == "https://digitallibrary.un.org/record/4026910"
    assert first.date == date(2023, 11, 8) and first.meta["modified"] == "20250516162631.0"
    assert first.title.startswith("Promotion and protection of human rights in the context of digital technologies : revised")
    assert (first.group_key, first.parent_key) == ("A/C.3/78/L.49", "un:A/C.3/78/L.49")
    assert first.meta["un_body"] == ["General Assembly / 3rd Committee"]
    assert "A/RES/78/213" in first.meta["related"]
    assert "DIGITAL TECHNOLOGY" in first.meta["subjects"]


def test_it_repairs_the_856y_mojibake_and_takes_language_from_the_file_name():
    result = undl.parse(shared_path("samples", "un-digitallibrary", "marcxml_A_C.3_78_L_drafts.xml").read_bytes(),
                        source=SOURCE)
    files = by_key(result)["un:A/C.3/78/L.49/REV.1"].meta["files"]
    labels = {f["language"]: f["label"] for f in files}
    assert labels == {"ar": "العربية", "zh": "中文", "en": "English", "fr": "Français", "ru": "Русский", "es": "Español"}
    assert all("UTF-8 read as Latin-1" in " ".join(r.warnings) for r in result.records if r.meta["files"])


def test_710_sponsors_give_nordic_states():
    result = undl.parse(shared_path("samples", "un-digitallibrary", "marcxml_A_C.3_78_L_drafts.xml").read_bytes(),
                        source=SOURCE)
    assert {"DNK", "FIN", "EST"} <= set(by_key(result)["un:A/C.3/78/L.49/REV.1"].states)


def test_norway_treaty_body_documents():
    result = undl.parse(fixture("norway_treaty_bodies.xml"), source=SOURCE)
    records = by_key(result)
    assert result.total == 7 and len(records) == 7
    crc = records["un:CRC/C/NOR/CO/7"]
    assert (crc.kind, crc.body, crc.states, crc.date) == ("concluding-observations", "CRC", ("NOR",), date(2025, 6, 4))
    assert crc.title == ("Concluding observations on the seventh periodic report of Norway : "
                         "Committee on the Rights of the Child")
    assert crc.meta["subjects"] == ["RIGHTS OF THE CHILD", "CHILD WELFARE", "FOSTER CARE"]
    assert crc.meta["doc_type"] == ["Documents and Publications / Reports"]
    assert [f["label"] for f in crc.meta["files"]] == ["English", "Français", "Español"]
    assert crc.warnings == () and crc.parent_key is None and crc.group_key == "CRC/C/NOR/CO/7"
    assert (records["un:CEDAW/C/NOR/CO/10"].body, records["un:CEDAW/C/NOR/CO/10"].kind) == (
        "CEDAW", "concluding-observations")
    assert records["un:E/C.12/NOR/CO/6"].body == "CESCR"
    assert (records["un:CRPD/C/NOR/Q/1"].kind, records["un:CRPD/C/NOR/Q/1"].states) == ("list-of-issues", ("NOR",))


def test_a_revision_is_its_own_item_grouped_under_the_base_symbol():
    records = by_key(undl.parse(fixture("norway_treaty_bodies.xml"), source=SOURCE))
    base, rev = records["un:CERD/C/NOR/CO/23-24"], records["un:CERD/C/NOR/CO/23-24/REV.1"]
    assert base.group_key == rev.group_key == "CERD/C/NOR/CO/23-24"
    assert rev.parent_key == "un:CERD/C/NOR/CO/23-24" and base.parent_key is None
    assert base.aliases != rev.aliases


def test_views_find_their_states_through_710():
    views = by_key(undl.parse(fixture("norway_treaty_bodies.xml"), source=SOURCE))["un:CCPR/C/138/D/3186/2018"]
    assert (views.kind, views.body, views.states) == ("views", "CCPR", ("NOR", "SWE"))


def test_quirks_symbol_trimmed_dates_checked_records_without_symbol_skipped():
    result = undl.parse(fixture("quirks.xml"), source=SOURCE)  # marc: prefix this time
    records = by_key(result)
    assert result.warnings == ["record 4070002 has no UN symbol (191$a) and was skipped"]
    add = records["un:CRC/C/NOR/CO/7/ADD.1"]
    assert (add.group_key, add.parent_key, add.states) == ("CRC/C/NOR/CO/7", "un:CRC/C/NOR/CO/7", ("NOR",))
    assert (add.date, add.date_raw, add.date_plausible) == (None, "2204-06-04", False)
    assert add.meta["files"][0]["label"] == "Français"
    assert add.title == ("Concluding observations on the seventh periodic report of Norway : "
                         "addendum : information received from Norway on follow-up")
    corr = records["un:CAT/C/NOR/CO/8/CORR.1"]
    assert (corr.body, corr.date, corr.date_plausible, corr.title) == ("CAT", None, False, "CAT/C/NOR/CO/8/CORR.1")
    lopr = records["un:CCPR/C/NOR/QPR/8"]
    assert (lopr.kind, lopr.date, lopr.date_plausible) == ("list-of-issues", None, True)
    assert lopr.warnings == ("unreadable date 'not a date'",)
    assert "&" in lopr.title and "&amp;" not in lopr.title


@pytest.mark.parametrize("name", ["xxe.xml", "billion_laughs.xml"])
def test_entity_declarations_are_refused(name):
    with pytest.raises(FeedError):
        undl.parse(fixture(name), source=SOURCE)


@pytest.mark.parametrize("name", ["truncated.xml", "html_error.html"])
def test_truncated_xml_or_an_html_page_fails_the_source(name):
    with pytest.raises(FeedError):
        undl.parse(fixture(name), source=SOURCE)


def test_an_empty_body_fails_the_source():
    with pytest.raises(FeedError):
        undl.parse(b"  \n", source=SOURCE)


def test_fetch_pages_with_1_based_jrec_until_the_total_then_takes_the_next_pattern():
    http = FakeHttp(fixture("paged_1.xml"), fixture("paged_2.xml"), fixture("norway_treaty_bodies.xml"))
    payloads = list(undl.fetch(SOURCE, since=None, http=http))
    assert len(payloads) == 3
    assert [c["params"]["jrec"] for c in http.calls] == [1, 3, 1]
    assert [c["params"]["p"] for c in http.calls] == ['191__a:"CRC/C/NOR/*"'] * 2 + ['191__a:"CEDAW/C/NOR/*"']
    assert all(c["params"]["of"] == "xm" and c["params"]["rg"] == 200 for c in http.calls)
    assert http.calls[0]["url"] == "https://digitallibrary.un.org/search"
    keys = [r.key for p in payloads for r in undl.parse(p.body, source=SOURCE).records]
    assert "un:CRC/C/NOR/CO/5-6" in keys


def test_fetch_sends_only_user_agent_and_accept_by_default():
    http = FakeHttp(fixture("paged_2.xml").replace(b"Results: 3", b"Results: 1"))
    list(undl.fetch(SourceConfig(key="u", kind="undl", params={"symbols": ["X/*"]}), since=None, http=http))
    assert http.calls[0]["headers"] == {"Accept": "*/*", "Accept-Encoding": None, "Connection": None}


def test_fetch_sends_the_configured_headers_instead():
    source = SourceConfig(key="u", kind="undl", params={"symbols": ["X/*"]},
                          headers={"User-Agent": "curl/8.5.0", "Accept": "*/*"})
    http = FakeHttp(fixture("paged_2.xml").replace(b"Results: 3", b"Results: 1"))
    list(undl.fetch(source, since=None, http=http))
    assert http.calls[0]["headers"] == {"User-Agent": "curl/8.5.0", "Accept": "*/*", "Accept-Encoding": None,
                                        "Connection": None}


def test_a_202_empty_answer_propagates_as_a_retryable_failure():
    http = FakeHttp(FetchError("https://digitallibrary.un.org/search answered 202 Accepted", kind="empty", status=202))
    with pytest.raises(FetchError) as caught:
        list(undl.fetch(SOURCE, since=None, http=http))
    assert caught.value.retryable and caught.value.kind == "empty"


def test_fetch_without_symbol_patterns_is_a_configuration_error():
    with pytest.raises(FeedError) as caught:
        list(undl.fetch(SourceConfig(key="u", kind="undl"), since=None, http=FakeHttp()))
    assert not caught.value.retryable


def test_against_the_real_client_a_202_is_a_retryable_empty_fetch():
    from relay.http import HttpClient
    from relay.settings import HttpSettings
    from tests.httpserver import LocalServer, Reply

    with LocalServer() as server, HttpClient(HttpSettings(host_delay=0, retries=0)) as client:
        server.route("/search", Reply(202))
        source = SourceConfig(key="u", kind="undl", url=server.url("/search"), params={"symbols": ["CRC/C/NOR/*"]})
        with pytest.raises(FetchError) as caught:
            list(undl.fetch(source, since=None, http=client))
        assert caught.value.kind == "empty" and caught.value.retryable
        seen = server.requests[0]
        assert sorted(n.lower() for n in seen.header_names) == ["accept", "host", "user-agent"]


def test_repair_mojibake_leaves_good_text_alone():
    assert undl.repair_mojibake("FranÃ§ais") == "Français"
    assert undl.repair_mojibake("Français") == "Français"
    assert undl.repair_mojibake("English") == "English"
    assert undl.repair_mojibake("中文") == "中文"


def test_a_server_that_ignores_jrec_fails_the_source_instead_of_looping():
    page = fixture("paged_1.xml").replace(b"Results: 3", b"Results: 900")
    with pytest.raises(FeedError, match="ignored jrec"):
        list(undl.fetch(SOURCE, since=None, http=FakeHttp(page, page, page)))
