"""feeds.uhri: the real export record, a Norway fixture with other countries mixed in, streaming."""

from __future__ import annotations

import json
from datetime import date, datetime
from io import BytesIO

import pytest

from feeds import uhri
from feeds.records import FeedError, SourceConfig
from relay.http import FetchError, HttpClient
from relay.settings import HttpSettings
from tests.conftest import FIXTURES, shared_path
from tests.httpserver import LocalServer, Reply

SOURCE = SourceConfig(key="uhri", kind="uhri")
MIXED = FIXTURES / "uhri" / "norway_mixed.json"


def paragraphs(result) -> list:
    """The paragraph records (the parse also gives one record per document they belong to)."""
    return [r for r in result.records if r.key.startswith("uhri:")]


def by_key(records) -> dict:
    return {r.key: r for r in records}


def test_the_real_record_is_cleaned():
    raw = shared_path("samples", "uhri", "export-full-en_one_record.json").read_bytes()
    [record] = paragraphs(uhri.parse(raw, source=SourceConfig(key="uhri", kind="uhri", params={"countries": ["Peru"]})))
    assert record.key == "uhri:a9ceae8c-fe1c-40f9-a326-1529e0ab678f"
    assert (record.kind, record.body, record.group_key) == ("observation", "CRC", "41a0b08f-5a9a-4eb5-985f-05b47986ad82")
    assert record.meta["paragraph"] == "4" and record.text.startswith("The Committee reminds the State party")
    assert record.aliases == ("symbol-para:CRC/C/PER/CO/6-7#4",)
    assert record.parent_key == "un:CRC/C/PER/CO/6-7"
    assert record.meta["sdgs"] == ["16.2", "5.2", "16.9"]
    assert record.meta["annotation_type"] == "Concerns/Observations"
    assert (record.date, record.meta["publication_date_on_uhri"]) == (date(2025, 2, 12), "2025-03-03T10:53:45.827")
    assert record.url == "https://uhri.ohchr.org/en/document/41a0b08f-5a9a-4eb5-985f-05b47986ad82"
    assert record.title.startswith("CRC/C/PER/CO/6-7 para. 4: The Committee reminds")


def test_the_real_record_is_not_norwegian():
    raw = shared_path("samples", "uhri", "export-full-en_one_record.json").read_bytes()
    assert paragraphs(uhri.parse(raw, source=SOURCE)) == []


def test_only_norway_is_kept_from_a_mixed_export():
    records = by_key(paragraphs(uhri.parse(MIXED.read_bytes(), source=SOURCE)))
    assert len(records) == 6
    assert all("Norway" in r.meta["countries"] for r in records.values())
    assert records["uhri:0f1e2d3c-6666-4a5b-8c9d-000000000008"].states == ("NOR", "SWE")


def test_configured_countries_are_matched_by_name():
    source = SourceConfig(key="uhri", kind="uhri", params={"countries": ["sweden"]})
    keys = {r.key for r in paragraphs(uhri.parse(MIXED.read_bytes(), source=source))}
    assert keys == {"uhri:0f1e2d3c-4444-4a5b-8c9d-000000000005", "uhri:0f1e2d3c-6666-4a5b-8c9d-000000000008"}


def test_dashes_stripped_paragraphs_split_html_removed():
    records = by_key(paragraphs(uhri.parse(MIXED.read_bytes(), source=SOURCE)))
    rec = records["uhri:0f1e2d3c-1111-4a5b-8c9d-000000000001"]
    assert (rec.kind, rec.body, rec.meta["paragraph"]) == ("recommendation", "CRC", "24")
    assert rec.text.startswith("The Committee recommends") and "<b>" not in rec.text
    assert "early, family-based support" in rec.text
    concern = records["uhri:0f1e2d3c-1111-4a5b-8c9d-000000000002"]
    assert (concern.kind, concern.meta["paragraph"]) == ("observation", "23")
    assert concern.text.startswith("The Committee is concerned") and "<p>" not in concern.text
    assert concern.group_key == rec.group_key and concern.parent_key == "un:CRC/C/NOR/CO/7"
    cedaw = records["uhri:0f1e2d3c-2222-4a5b-8c9d-000000000003"]
    assert cedaw.body == "CEDAW" and "municipalities & ensure" in cedaw.text


def test_upr_records_keep_their_dotted_paragraph_number():
    upr = by_key(paragraphs(uhri.parse(MIXED.read_bytes(), source=SOURCE)))["uhri:0f1e2d3c-3333-4a5b-8c9d-000000000004"]
    assert (upr.body, upr.kind, upr.meta["paragraph"]) == ("UPR", "recommendation", "140.87")
    assert upr.aliases == ("symbol-para:A/HRC/59/6#140.87",)
    assert upr.text.startswith("Strengthen measures") and upr.meta["upr_recommending_states"] == ["Finland"]


def test_a_text_without_a_number_keeps_its_text_and_gets_a_warning():
    rec = by_key(paragraphs(uhri.parse(MIXED.read_bytes(), source=SOURCE)))["uhri:0f1e2d3c-5555-4a5b-8c9d-000000000007"]
    assert rec.meta["paragraph"] is None and rec.aliases == ()
    assert rec.text.startswith("The Committee recommends") and rec.warnings


def test_label_spelling_variants_become_one_label():
    records = by_key(paragraphs(uhri.parse(MIXED.read_bytes(), source=SOURCE)))
    old = records["uhri:0f1e2d3c-1111-4a5b-8c9d-000000000001"].meta["affected_persons"]
    new = records["uhri:0f1e2d3c-1111-4a5b-8c9d-000000000002"].meta["affected_persons"]
    minorities = "Minorities/racial, ethnic, linguistic, religious or descent-based groups"
    assert minorities in old and minorities in new
    assert "Law enforcement/police & prison officials" in records["uhri:0f1e2d3c-2222-4a5b-8c9d-000000000003"].meta[
        "affected_persons"]
    assert uhri.normalise_label("Law enforcement/police officials") == uhri.normalise_label(
        "Law enforcement / police officials")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4.The Committee", ("4", "The Committee")), ("18. The State party", ("18", "The State party")),
     ("128.1 Ratify OP-CRC", ("128.1", "Ratify OP-CRC")), ("2025 was a year", (None, "2025 was a year")),
     ("The Committee", (None, "The Committee"))],
)
def test_split_paragraph(text, expected):
    assert uhri.split_paragraph(text) == expected


def test_since_a_cursor_keeps_strictly_newer_entries():
    kept = list(uhri.iter_records(MIXED.open("rb"), countries=["Norway"], since="2025-06-20T08:15:02.113"))
    assert [r.key for r in kept] == ["uhri:0f1e2d3c-1111-4a5b-8c9d-000000000002"]


def test_since_a_date_keeps_entries_from_that_day():
    kept = list(uhri.iter_records(MIXED.open("rb"), countries=["Norway"], since=date(2025, 5, 2)))
    assert len(kept) == 3
    assert list(uhri.iter_records(MIXED.open("rb"), since=datetime(2030, 1, 1))) == []


def test_a_truncated_export_fails_the_source():
    with pytest.raises(FeedError):
        uhri.parse((FIXTURES / "uhri" / "truncated.json").read_bytes(), source=SOURCE)


@pytest.mark.parametrize("body", [(FIXTURES / "uhri" / "html_error.html").read_bytes(), b"", b'{"error": "x"}'])
def test_a_body_that_is_not_the_export_fails_the_source(body):
    with pytest.raises(FeedError):
        uhri.parse(body, source=SOURCE)


def test_a_byte_order_mark_is_accepted():
    assert len(paragraphs(uhri.parse(b"\xef\xbb\xbf" + MIXED.read_bytes(), source=SOURCE))) == 6


def test_parse_file_streams_from_disk():
    assert len(paragraphs(uhri.parse_file(MIXED, source=SOURCE))) == 6


def test_iter_records_does_not_read_ahead_of_what_it_yields():
    # 20,000 foreign records after one Norwegian one: the first record arrives before the stream is read.
    filler = json.dumps({"AnnotationId": "x", "Countries": ["Peru"], "Text": "1.x" * 50})
    body = b"[" + json.dumps(json.loads(MIXED.read_text())[0]).encode() + (b"," + filler.encode()) * 20_000 + b"]"
    stream = BytesIO(body)
    first = next(uhri.iter_records(stream))
    assert first.key.startswith("uhri:") and stream.tell() < len(body) / 4


JSON = {"Content-Type": "application/json"}


@pytest.fixture
def export():
    """A local server for the export and a real client for it (no pause between requests)."""
    with LocalServer() as server, HttpClient(HttpSettings(host_delay=0, retries=1)) as http:
        yield server, http


def uhri_source(tmp_path, server, **fields) -> SourceConfig:
    return SourceConfig(key="uhri", kind="uhri", url=server.url("/export-full-en.json"), workdir=str(tmp_path),
                        **fields)


def test_fetch_streams_to_a_file_and_hands_on_only_new_norwegian_records(tmp_path, export):
    server, http = export
    server.route("/export-full-en.json", Reply(200, {**JSON, "ETag": '"v2"'}, MIXED.read_bytes(), chunk_size=512))
    source = uhri_source(tmp_path, server, cursor="2025-05-02T11:40:00.000", etag='"v1"')
    [payload] = list(uhri.fetch(source, since=None, http=http))
    assert server.requests[0].header("If-None-Match") == '"v1"'
    assert list(tmp_path.iterdir()) == []  # the download is deleted once filtered
    assert payload.cursor == "2025-06-20T08:15:02.227" and payload.etag == '"v2"'
    keys = {r.key for r in paragraphs(uhri.parse(payload.body, source=source))}
    assert keys == {"uhri:0f1e2d3c-1111-4a5b-8c9d-000000000001", "uhri:0f1e2d3c-1111-4a5b-8c9d-000000000002"}


def test_fetch_keeps_the_cursor_when_nothing_is_new(tmp_path, export):
    server, http = export
    server.route("/export-full-en.json", Reply(200, JSON, MIXED.read_bytes()))
    source = uhri_source(tmp_path, server, cursor="2030-01-01T00:00:00")
    [payload] = list(uhri.fetch(source, since=None, http=http))
    assert payload.cursor == "2030-01-01T00:00:00" and paragraphs(uhri.parse(payload.body, source=source)) == []


def test_fetch_passes_a_304_on(tmp_path, export):
    server, http = export
    server.route("/export-full-en.json", Reply(304))
    [payload] = list(uhri.fetch(uhri_source(tmp_path, server, etag='"v1"'), since=None, http=http))
    assert payload.not_modified and payload.body == b"" and payload.etag == '"v1"'
    assert list(tmp_path.iterdir()) == []


def test_fetch_fails_the_source_on_a_truncated_download(tmp_path, export):
    server, http = export
    server.route("/export-full-en.json", Reply(200, JSON, (FIXTURES / "uhri" / "truncated.json").read_bytes()))
    with pytest.raises(FeedError):
        list(uhri.fetch(uhri_source(tmp_path, server), since=None, http=http))
    assert list(tmp_path.iterdir()) == []


def test_fetch_fails_the_source_on_an_html_error_page(tmp_path, export):
    server, http = export
    server.route("/export-full-en.json",
                 Reply(200, {"Content-Type": "text/html"}, (FIXTURES / "uhri" / "html_error.html").read_bytes()))
    with pytest.raises(FetchError) as caught:
        list(uhri.fetch(uhri_source(tmp_path, server), since=None, http=http))
    assert caught.value.kind == "wrong-content" and list(tmp_path.iterdir()) == []


def test_fetch_needs_a_download_folder(export):
    server, http = export
    with pytest.raises(FeedError, match="folder"):
        list(uhri.fetch(SourceConfig(key="uhri", kind="uhri", url=server.url("/x")), since=None, http=http))
    assert server.requests == []


def test_an_explicit_since_wins_over_the_cursor(tmp_path, export):
    server, http = export
    server.route("/export-full-en.json", Reply(200, JSON, MIXED.read_bytes()))
    source = uhri_source(tmp_path, server, cursor="2030-01-01T00:00:00")
    [payload] = list(uhri.fetch(source, since=date(2025, 5, 2), http=http))
    assert len(paragraphs(uhri.parse(payload.body, source=source))) == 3
    assert payload.cursor == "2030-01-01T00:00:00"  # never moved backwards
