"""feeds.rss on regjeringen.no RSS 2.0 and Atom shapes, a NIM feed and broken or hostile feeds."""

from __future__ import annotations

from datetime import date

import pytest

from feeds import rss
from feeds.records import FeedError, SourceConfig
from relay.http import Response
from tests.conftest import FIXTURES

REGJERINGEN = SourceConfig(key="regjeringen-barnevern", kind="rss", url="https://www.regjeringen.no/no/rss/x/",
                           params={"body": "BFD"})
NIM = SourceConfig(key="nim", kind="rss", params={"body": "NIM"})


def parse(name: str, source: SourceConfig = REGJERINGEN):
    return rss.parse((FIXTURES / "rss" / name).read_bytes(), source=source)


def test_regjeringen_rss2_keys_on_the_guid_and_converts_pubdate_to_utc():
    result = parse("regjeringen_rss2.xml")
    assert result.warnings == [] and len(result.records) == 3
    first = result.records[0]
    assert first.key == "rss:regjeringen-barnevern:3101234" and first.meta["key_from"] == "id"
    # Tue, 03 Jun 2025 01:30 +0200 is 2 June in UTC.
    assert (first.date, first.date_raw) == (date(2025, 6, 2), "Tue, 03 Jun 2025 01:30:00 +0200")
    assert first.url == "https://www.regjeringen.no/no/dokumenter/horing-forslag-til-endringer-i-barnevernsloven/id3101234/"
    assert first.warnings == ()
    assert first.title == "Høring – forslag til endringer i barnevernsloven (samvær og søskenkontakt)"
    assert first.text.startswith("Barne- og familiedepartementet sender forslag") and "<" not in first.text
    assert (first.kind, first.body, first.states, first.language) == ("news", "BFD", ("NOR",), "nb")
    assert first.aliases == (f"url:{first.url}",)
    assert first.meta["categories"] == ["Høring"]
    assert "barnevernsloven & adopsjonsloven" in result.records[2].text


def test_regjeringen_atom_topic_feed():
    result = parse("regjeringen_atom.xml")
    [first, second] = result.records
    assert first.key == "rss:regjeringen-barnevern:https://www.regjeringen.no/id3100555/"
    assert first.date == date(2025, 5, 22)  # 23:45 +02:00 is still the 22nd in UTC
    assert first.url.startswith("https://www.regjeringen.no/no/aktuelt/norge-eksaminert")
    assert first.text == "Norge møtte FNs barnekomité i Genève 21.–22. mai."
    assert second.title == "Ny handlingsplan mot rasisme & diskriminering"
    assert (second.date, second.date_raw) == (date(2025, 5, 2), "2025-05-02T10:00:00+02:00")
    assert second.language == "nb"


def test_nim_feed_without_guids_keys_on_links_and_upgrades_known_hosts_to_https():
    records = {r.meta["link"]: r for r in parse("nim_rss.xml", NIM).records}
    report = records["http://www.nhri.no/2025/nims-arsmelding-2024/"]
    assert report.key == "rss:nim:http://www.nhri.no/2025/nims-arsmelding-2024/"
    assert report.meta["key_from"] == "link"
    assert report.url == "https://www.nhri.no/2025/nims-arsmelding-2024/" and report.warnings == ()
    assert (report.body, report.language) == ("NIM", "no")


def test_an_http_link_to_an_unknown_host_is_kept_and_noted():
    records = {r.meta["link"]: r for r in parse("nim_rss.xml", NIM).records}
    external = records["http://menneskerettigheter.example.org/rapport-2025"]
    assert external.url == "http://menneskerettigheter.example.org/rapport-2025"
    assert "not known to serve https" in external.warnings[0]
    source = SourceConfig(key="nim", kind="rss", params={"https_hosts": ["example.org"]})
    upgraded = {r.meta["link"]: r for r in parse("nim_rss.xml", source).records}
    assert upgraded["http://menneskerettigheter.example.org/rapport-2025"].url.startswith("https://")


def test_a_link_shared_by_entries_is_no_alias():
    shared = [r for r in parse("nim_rss.xml", NIM).records if r.meta["link"] == "https://www.nhri.no/aktuelt/"]
    assert [r.key for r in shared] == ["rss:nim:nim-2025-0301-a", "rss:nim:nim-2025-0301-b"]
    assert all(r.aliases == () for r in shared)


def test_the_same_guid_in_two_feeds_is_two_keys_but_one_url_alias():
    one = parse("regjeringen_rss2.xml").records[0]
    other = parse("regjeringen_rss2.xml", SourceConfig(key="regjeringen-bfd", kind="rss")).records[0]
    assert one.key != other.key and one.aliases == other.aliases


def test_script_and_markup_in_titles_become_text():
    result = parse("script_title.xml", NIM)
    first = result.records[0]
    assert first.title == "Menneskerettigheter & kommunene"
    assert "script" not in first.text and "evil" not in first.text and "document" not in first.text
    assert first.text == "Innledning Slutt é – ferdig"


def test_an_empty_title_falls_back_to_the_summary_and_bad_dates_are_kept_raw():
    records = {r.key: r for r in parse("script_title.xml", NIM).records}
    untitled = records["rss:nim:nim-uten-tittel"]
    assert untitled.title.startswith("Et innslag uten tittel")
    old = records["rss:nim:nim-gammel"]
    assert (old.date, old.date_raw, old.date_plausible) == (None, "Mon, 01 Jan 0001 00:00:00 GMT", False)
    assert old.warnings


def test_a_bozo_feed_with_entries_is_kept_with_a_warning():
    result = parse("bozo_entries.xml")
    assert len(result.records) == 2 and len(result.warnings) == 1
    assert "malformed" in result.warnings[0]
    assert result.records[0].title == "Tilskudd til bolig & tjenester for utsatte grupper"


def test_a_feed_in_the_wrong_encoding_still_reads_with_a_warning():
    result = parse("wrong_encoding.xml")
    assert result.records[0].title == "Høring om reindriftsloven - Sør-Trøndelag"
    assert len(result.warnings) == 1 and "not valid UTF-8" in result.warnings[0]  # cp1252 bytes in a UTF-8 feed


@pytest.mark.parametrize(
    ("name", "reason"),
    [("bozo_no_entries.xml", "no entries"), ("html_error.html", "HTML page"), ("not_a_feed.xml", "neither RSS")],
)
def test_unusable_bodies_fail_the_source_with_a_reason(name, reason):
    with pytest.raises(FeedError) as caught:
        parse(name)
    assert reason in str(caught.value)


def test_an_empty_body_fails_the_source():
    with pytest.raises(FeedError, match="empty"):
        rss.parse(b" \r\n", source=NIM)


@pytest.mark.parametrize("name", ["xxe.xml", "billion_laughs.xml"])
def test_entity_declarations_are_refused(name):
    with pytest.raises(FeedError) as caught:
        parse(name)
    assert "entities" in str(caught.value) and not caught.value.retryable


def test_bytes_that_name_a_local_file_are_not_opened():
    # feedparser opens a file when handed a path as bytes; parse must treat the body as a document.
    with pytest.raises(FeedError):
        rss.parse(str(FIXTURES / "rss" / "nim_rss.xml").encode(), source=NIM)


def test_an_xml_comment_mentioning_entity_is_not_refused():
    body = (FIXTURES / "rss" / "nim_rss.xml").read_bytes().replace(b"<channel>", b"<channel><!-- no <!ENTITY here -->")
    assert len(rss.parse(body, source=NIM).records) == 5


class FakeHttp:
    def __init__(self, response: Response):
        self.response, self.calls = response, []

    def get(self, url, *, params=None, headers=None, etag=None, last_modified=None, expect=None, max_bytes=None):
        self.calls.append({"url": url, "headers": headers, "etag": etag, "last_modified": last_modified, "expect": expect})
        return self.response


def test_fetch_is_one_conditional_get():
    source = SourceConfig(key="nim", kind="rss", url="https://www.nhri.no/feed/", etag='"a"',
                          last_modified="Mon, 02 Jun 2025 10:00:00 GMT")
    body = (FIXTURES / "rss" / "nim_rss.xml").read_bytes()
    http = FakeHttp(Response(200, source.url, {"content-type": "application/rss+xml"}, body, False, '"b"', None))
    [payload] = list(rss.fetch(source, since=None, http=http))
    assert http.calls == [{"url": source.url, "headers": None, "etag": '"a"',
                           "last_modified": "Mon, 02 Jun 2025 10:00:00 GMT", "expect": "xml"}]
    assert (payload.body, payload.etag, payload.content_type, payload.not_modified) == (
        body, '"b"', "application/rss+xml", False)


def test_fetch_passes_a_304_on():
    source = SourceConfig(key="nim", kind="rss", url="https://www.nhri.no/feed/", etag='"a"')
    http = FakeHttp(Response(304, source.url, {}, b"", True, '"a"', None))
    [payload] = list(rss.fetch(source, since=None, http=http))
    assert payload.not_modified and payload.etag == '"a"'


def test_fetch_against_the_real_client_and_server():
    from relay.http import HttpClient
    from relay.settings import HttpSettings
    from tests.httpserver import LocalServer, Reply

    body = (FIXTURES / "rss" / "regjeringen_rss2.xml").read_bytes()
    with LocalServer() as server, HttpClient(HttpSettings(host_delay=0, retries=0)) as client:
        server.route("/rss", Reply(200, {"Content-Type": "application/rss+xml; charset=utf-8", "ETag": '"v1"'}, body))
        source = SourceConfig(key="r", kind="rss", url=server.url("/rss"))
        [payload] = list(rss.fetch(source, since=None, http=client))
    assert payload.etag == '"v1"' and len(rss.parse(payload.body, source=source).records) == 3
