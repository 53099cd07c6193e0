"""fetch_due against a real HTTP server on 127.0.0.1 and the real test database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from relay.db import transaction
from relay.documents.fetch import DocumentPolicy, fetch_due
from relay.documents.store import claim, ensure_documents
from relay.models import Document, Item, ItemChange, utcnow
from tests.documents.support import FIXTURES, HTML, item_with_document
from tests.factories import make_item
from tests.httpserver import LocalServer, Reply

JUDGMENT = (FIXTURES / "hudoc_judgment_en.html").read_bytes()


@pytest.fixture
def server():
    with LocalServer() as running:
        yield running


def judgment_document(engine, url: str, **item_fields) -> tuple[int, int]:
    """A HUDOC judgment item whose body document points at the local server."""
    return item_with_document(engine, url=url, via="hudoc", body="ECHR", language="en",
                              meta={"itemid": "001-195909", "appno": "37283/13"}, **item_fields)


def load(engine, doc_id: int) -> Document:
    with transaction(engine) as session:
        return session.get(Document, doc_id)


def test_it_fetches_extracts_and_then_asks_conditionally(engine, server, http):
    server.route("/body", Reply(200, {**HTML, "ETag": '"v1"'}, JUDGMENT), Reply(304, {"ETag": '"v1"'}))
    _, doc_id = judgment_document(engine, server.url("/body"))
    now = utcnow()
    report = fetch_due(engine=engine, http=http, now=now)
    doc = load(engine, doc_id)
    assert report.outcomes == {"extracted": 1}
    assert doc.status == "ok" and doc.format == "html" and doc.etag == '"v1"'
    assert [s["key"] for s in doc.structure["sections"]][:3] == ["procedure", "facts", "law"]
    assert doc.next_attempt_at == now + DocumentPolicy().refresh

    assert fetch_due(engine=engine, http=http, now=now + timedelta(days=1)).claimed == 0  # not due yet
    later = now + timedelta(days=31)
    report = fetch_due(engine=engine, http=http, now=later)
    assert report.outcomes == {"not-modified": 1}
    assert server.requests[-1].header("If-None-Match") == '"v1"'
    again = load(engine, doc_id)
    assert again.text == doc.text and again.fetched_at == later and again.status == "ok"


def test_it_does_not_re_extract_the_same_bytes(engine, server, http):
    server.route("/body", Reply(200, HTML, JUDGMENT))
    _, doc_id = judgment_document(engine, server.url("/body"))
    now = utcnow()
    fetch_due(engine=engine, http=http, now=now)
    with transaction(engine) as session:  # if it were re-extracted, this marker would be overwritten
        session.get(Document, doc_id).structure = {**load(engine, doc_id).structure, "marker": True}
    report = fetch_due(engine=engine, http=http, now=now + timedelta(days=31))
    assert report.outcomes == {"unchanged": 1}
    assert load(engine, doc_id).structure["marker"] is True


def test_it_retries_an_empty_body_until_hudoc_has_warmed_it(engine, server, http):
    server.route("/body", Reply(200, HTML, b""), Reply(200, HTML, JUDGMENT))
    _, doc_id = judgment_document(engine, server.url("/body"))
    now = utcnow()
    assert fetch_due(engine=engine, http=http, now=now).outcomes == {"empty": 1}
    doc = load(engine, doc_id)
    assert doc.status == "empty" and doc.attempts == 1 and "empty body" in doc.error
    assert doc.next_attempt_at == now + timedelta(minutes=15)
    assert fetch_due(engine=engine, http=http, now=now + timedelta(minutes=5)).claimed == 0
    assert fetch_due(engine=engine, http=http, now=now + timedelta(minutes=16)).outcomes == {"extracted": 1}
    doc = load(engine, doc_id)
    assert doc.status == "ok" and doc.attempts == 0 and doc.error is None


def test_it_gives_up_on_a_body_that_stays_empty(engine, server, http):
    server.route("/body", Reply(200, HTML, b"<html><body><script>x()</script></body></html>"))
    _, doc_id = judgment_document(engine, server.url("/body"))
    policy, now = DocumentPolicy(empty_retries=2), utcnow()
    fetch_due(engine=engine, http=http, now=now, policy=policy)
    assert load(engine, doc_id).status == "empty"
    fetch_due(engine=engine, http=http, now=now + timedelta(hours=1), policy=policy)
    doc = load(engine, doc_id)
    assert doc.status == "failed" and doc.next_attempt_at is None and doc.attempts == 2
    assert "answered empty 2 times; Relay gave up" in doc.error


def test_it_refuses_an_oversized_document(engine, server, http):
    server.route("/body", Reply(200, HTML, JUDGMENT))
    _, doc_id = judgment_document(engine, server.url("/body"))
    fetch_due(engine=engine, http=http, policy=DocumentPolicy(max_bytes=1_000))
    doc = load(engine, doc_id)
    assert doc.status == "failed" and doc.next_attempt_at is None
    assert "1,000-byte limit" in doc.error


def test_it_records_an_html_error_page_served_as_200(engine, server, http):
    server.route("/body", Reply(200, HTML, (FIXTURES / "hudoc_error_page.html").read_bytes()))
    _, doc_id = judgment_document(engine, server.url("/body"))
    assert fetch_due(engine=engine, http=http).outcomes == {"failed": 1}
    doc = load(engine, doc_id)
    assert doc.status == "failed" and "error page" in doc.error and doc.text == ""


def test_it_retries_a_server_error_later(engine, server, http):
    server.route("/body", Reply(503, HTML, b"<html><body>Service Unavailable</body></html>"))
    _, doc_id = judgment_document(engine, server.url("/body"))
    now = utcnow()
    fetch_due(engine=engine, http=http, now=now)
    doc = load(engine, doc_id)
    assert doc.status == "failed" and doc.attempts == 1 and "503" in doc.error
    assert doc.next_attempt_at == now + timedelta(minutes=10)


def test_it_keeps_a_fetched_text_when_a_recheck_fails(engine, server, http):
    server.route("/body", Reply(200, HTML, JUDGMENT), Reply(500, HTML, b"oops"))
    _, doc_id = judgment_document(engine, server.url("/body"))
    now = utcnow()
    fetch_due(engine=engine, http=http, now=now)
    fetch_due(engine=engine, http=http, now=now + timedelta(days=31))
    doc = load(engine, doc_id)
    assert doc.status == "ok" and "500" in doc.error and "THE FACTS" in doc.text


def test_a_claimed_document_is_not_claimed_twice(engine, server):
    _, doc_id = judgment_document(engine, server.url("/body"))
    now = utcnow()
    with transaction(engine) as session:
        assert claim(session=session, document_id=doc_id, seen=None, lease=timedelta(minutes=30), now=now)
    with transaction(engine) as session:
        assert not claim(session=session, document_id=doc_id, seen=None, lease=timedelta(minutes=30), now=now)


def test_it_finds_the_legal_summary_through_the_application_number(engine, server, http):
    server.route("/app/query/results", Reply(200, {"Content-Type": "application/json"},
                                             (FIXTURES / "hudoc_clin_query.json").read_bytes()))
    server.route("/app/conversion/docx/html/body", Reply(200, HTML, (FIXTURES / "hudoc_clin.html").read_bytes()))
    with transaction(engine) as session:
        item = make_item(session, body="ECHR", language="en", meta={"itemid": "001-195909", "appno": "37283/13+"})
        session.add(Document(item_id=item.id, kind="body", url="-", status="ok"))
        summary = Document(item_id=item.id, kind="legal-summary", status="pending", structure={"via": "clin-lookup"},
                           url=server.url('/app/query/results?query=appno:"37283/13"'))
        session.add(summary)
        session.flush()
        summary_id = summary.id
    assert fetch_due(engine=engine, http=http).outcomes == {"extracted": 1}
    doc = load(engine, summary_id)
    assert doc.status == "ok" and doc.structure["summary_itemid"] == "002-12589"
    assert "balancing exercise" in doc.text
    assert doc.url.endswith("/app/conversion/docx/html/body?library=ECHR&id=002-12589")
    assert server.requests[-1].query == "library=ECHR&id=002-12589"


def test_it_looks_again_later_when_no_legal_summary_exists(engine, server, http):
    server.route("/app/query/results", Reply(200, {"Content-Type": "application/json"},
                                             b'{"resultcount": 1, "results": [{"columns": {"itemid": "002-1",'
                                             b' "appno": "99999/99", "languageisocode": "ENG"}}]}'))
    with transaction(engine) as session:
        item = make_item(session, body="ECHR", meta={"itemid": "001-1", "appno": "37283/13"})
        session.add(Document(item_id=item.id, kind="body", url="-", status="ok"))
        summary = Document(item_id=item.id, kind="legal-summary", status="pending", structure={"via": "clin-lookup"},
                           url=server.url("/app/query/results"))
        session.add(summary)
        session.flush()
        summary_id = summary.id
    now = utcnow()
    fetch_due(engine=engine, http=http, now=now)
    doc = load(engine, summary_id)  # a row about another application is HUDOC's silent substitution
    assert doc.status == "empty" and "no legal summary for application 37283/13" in doc.error
    assert doc.next_attempt_at == now + timedelta(days=14)


def test_it_plans_hudoc_documents_for_new_items(engine):
    with transaction(engine) as session:
        item = make_item(session, body="ECHR", kind="judgment", meta={"itemid": "001-195909", "appno": "37283/13"})
        docs = {d.kind: d for d in ensure_documents(session=session, item=item)}
        assert docs["body"].url == ("https://hudoc.echr.coe.int/app/conversion/docx/html/body"
                                    "?library=ECHR&id=001-195909")
        assert "appno%3A%2237283%2F13%22" in docs["legal-summary"].url
        grevio = make_item(session, body="GREVIO", kind="report", meta={
            "itemid": "GREVIO-Inf(2022)30_Norway", "sections": ["GREVIO-Inf(2022)30_Norway-1", "GREVIO-Inf(2022)30_Norway-2"]})
        (doc,) = ensure_documents(session=session, item=grevio)
        assert doc.url.startswith("https://hudoc.grevio.coe.int/app/conversion/docx/section/html/body?library=GREVIO")
        assert len(doc.structure["parts"]) == 2
        un = make_item(session, key="un:CRC/C/NOR/CO/7", body="CRC", kind="concluding-observations",
                       meta={"symbol": "CRC/C/NOR/CO/7"})
        (doc,) = ensure_documents(session=session, item=un)
        assert doc.url.endswith("Download.aspx?symbolno=CRC%2FC%2FNOR%2FCO%2F7&Lang=en")


def test_it_fetches_a_sectioned_report_as_one_text(engine, server, http):
    server.route("/s1", Reply(200, HTML, b"<p><b>I. INTRODUCTION</b></p><p>1. GREVIO visited Norway.</p>"))
    server.route("/s2", Reply(200, HTML, b"<p>2. GREVIO urges the Norwegian authorities to fund shelters.</p>"))
    with transaction(engine) as session:
        item = make_item(session, body="GREVIO", kind="report", meta={"itemid": "G"})
        doc = Document(item_id=item.id, kind="body", url=server.url("/s1"), status="pending", structure={
            "via": "hudoc-sections", "parts": [{"url": server.url("/s1")}, {"url": server.url("/s2")}]})
        session.add(doc)
        session.flush()
        doc_id = doc.id
    fetch_due(engine=engine, http=http)
    doc = load(engine, doc_id)
    assert [p["n"] for p in doc.structure["paragraphs"]] == ["1", "2"]
    (rec,) = doc.structure["recommendations"]
    assert doc.text[rec["start"]:rec["end"]].startswith("2. GREVIO urges")


def co_item(engine, server) -> int:
    listing = (FIXTURES / "ohchr_download.html").read_bytes()
    server.route("/Download.aspx", Reply(200, HTML, listing))
    server.route("/SelfServices/FilesHandler.ashx",
                 Reply(200, {"Content-Type": "text/html"}, (FIXTURES / "crc_co_nor.html").read_bytes()))
    with transaction(engine) as session:
        item = make_item(session, key="un:CRC/C/NOR/CO/5-6", body="CRC", kind="concluding-observations",
                         language="en", meta={"symbol": "CRC/C/NOR/CO/5-6"})
        session.add(Document(item_id=item.id, kind="body", status="pending", structure={"via": "ohchr"},
                             url=server.url("/Download.aspx?symbolno=CRC%2FC%2FNOR%2FCO%2F5-6&Lang=en")))
        return item.id


def test_recommendation_paragraphs_become_items_once(engine, server, http):
    item_id = co_item(engine, server)
    now = utcnow()
    report = fetch_due(engine=engine, http=http, now=now)
    assert report.outcomes == {"extracted": 1} and len(report.new_item_ids) == 3
    with transaction(engine) as session:
        recs = session.scalars(select(Item).where(Item.parent_item_id == item_id).order_by(Item.id)).all()
        assert [r.key for r in recs] == ["CRC/C/NOR/CO/5-6#para4", "CRC/C/NOR/CO/5-6#para27",
                                         "CRC/C/NOR/CO/5-6#para28"]
        para27 = recs[1]
        assert para27.kind == "recommendation" and para27.body == "CRC" and para27.states == "NOR"
        assert para27.text.startswith("27. The Committee urges") and "(b) Ensure" in para27.text
        assert para27.meta["headings"][1].startswith("F. Family environment")
        assert {a.alias for a in para27.aliases} == {"symbol-para:CRC/C/NOR/CO/5-6#27"}
        doc = session.scalars(select(Document).where(Document.item_id == item_id)).one()
        assert doc.structure["file_url"].endswith("/SelfServices/FilesHandler.ashx?enc=6QkG1dEnHtml")
    # Changed bytes (a new ETag-less copy) with the same paragraphs: re-extracted, no new items.
    server.route("/SelfServices/FilesHandler.ashx", Reply(200, {"Content-Type": "text/html"},
                                                         (FIXTURES / "crc_co_nor.html").read_bytes() + b"\n"))
    report = fetch_due(engine=engine, http=http, now=now + timedelta(days=31))
    assert report.outcomes == {"extracted": 1} and report.new_item_ids == []
    with transaction(engine) as session:
        assert len(session.scalars(select(Item).where(Item.parent_item_id == item_id)).all()) == 3
        assert session.scalars(select(ItemChange)).all() == []


def test_a_paragraph_uhri_already_brought_is_linked_not_duplicated(engine, server, http):
    item_id = co_item(engine, server)
    with transaction(engine) as session:
        from feeds.records import Record
        from relay.store.items import save_record

        save_record(session=session, source_id=None, record=Record(
            key="uhri:abc", kind="recommendation", title="UHRI 27", aliases=("symbol-para:CRC/C/NOR/CO/5-6#27",)))
    report = fetch_due(engine=engine, http=http)
    assert len(report.new_item_ids) == 2
    with transaction(engine) as session:
        assert session.scalars(select(Item).where(Item.key == "uhri:abc")).one().title == "UHRI 27"
        assert session.scalars(select(Item).where(Item.parent_item_id == item_id)).all().__len__() == 2
