"""relay.collect: the run deadline, payload-by-payload storing, and UHRI streamed through the runner.

A real database, a real HttpClient and a local HTTP server; a fake clock stands in for waiting.
"""

from __future__ import annotations

from sqlalchemy import select

from feeds.records import Payload
from relay.collect import collect_due, ingest, run_source
from relay.db import transaction
from relay.http import HttpClient
from relay.models import Item, ItemChange, Source, SourceRun, Tag
from relay.settings import HttpSettings
from tests.conftest import FIXTURES
from tests.httpserver import LocalServer, Reply
from tests.test_http import FakeTime

XML = {"Content-Type": "application/xml; charset=utf-8"}
JSON = {"Content-Type": "application/json"}
PAGE_1 = (FIXTURES / "undl" / "paged_1.xml").read_bytes()  # 2 of 3 records
PAGE_2 = (FIXTURES / "undl" / "paged_2.xml").read_bytes()  # the third


def add_source(engine, key: str, kind: str, url: str, **params) -> None:
    with transaction(engine) as session:
        session.add(Source(key=key, kind=kind, name=key, url=url, params=params))


def source_row(engine, key: str) -> tuple[Source, list[SourceRun]]:
    with transaction(engine) as session:
        source = session.scalars(select(Source).where(Source.key == key)).one()
        runs = list(session.scalars(select(SourceRun).where(SourceRun.source_id == source.id).order_by(SourceRun.id)))
        session.expunge_all()
        return source, runs


def item_keys(engine) -> set[str]:
    with transaction(engine) as session:
        return set(session.scalars(select(Item.key)))


def client(fake: FakeTime, **settings) -> HttpClient:
    values = {"host_delay": 0.0, "retries": 0, "read_timeout": 5.0, **settings}
    return HttpClient(HttpSettings(**values), sleep=fake.sleep, clock=fake.clock)


def test_a_run_past_its_deadline_fails_that_source_only_and_keeps_what_it_stored(engine, tmp_path):
    fake = FakeTime()
    with LocalServer() as server:
        # The pause before page 2 (60 s on the fake clock) carries the run past its 50 s.
        server.route("/search", Reply(200, XML, PAGE_1), Reply(200, XML, PAGE_2))
        server.route("/feed.xml", Reply(200, XML, (FIXTURES / "rss" / "nim_rss.xml").read_bytes()))
        add_source(engine, "undl-crc", "undl", server.url("/search"), symbols=["CRC/C/NOR/*"])
        add_source(engine, "nim", "rss", server.url("/feed.xml", host="localhost"))
        with client(fake, host_delay=60.0, run_deadline=50.0) as http:
            results = {r.source: r for r in collect_due(engine=engine, http=http, download_dir=tmp_path)}
    failed = results["undl-crc"]
    assert not failed.ok and failed.new == 2
    assert "http.run_deadline" in failed.error and "50-second" in failed.error
    assert server.hits("/search") == 1  # page 2 was never asked for
    source, [run] = source_row(engine, "undl-crc")
    assert source.error_count == 1 and "http.run_deadline" in source.last_error
    assert (run.ok, run.items_new) == (False, 2) and "http.run_deadline" in run.error
    assert {"un:CRC/C/NOR/5-6"} <= item_keys(engine)  # page 1 is kept
    assert results["nim"].ok and results["nim"].new > 0  # the next source had its own full run


def test_a_run_within_its_deadline_reads_every_page(engine, tmp_path):
    fake = FakeTime()
    with LocalServer() as server:
        server.route("/search", Reply(200, XML, PAGE_1), Reply(200, XML, PAGE_2))
        add_source(engine, "undl-crc", "undl", server.url("/search"), symbols=["CRC/C/NOR/*"])
        with client(fake, host_delay=60.0, run_deadline=600.0) as http:
            result = run_source(engine=engine, key="undl-crc", http=http, download_dir=tmp_path)
    assert result.ok and (result.found, result.new) == (3, 3)
    source, [run] = source_row(engine, "undl-crc")
    assert run.ok and run.items_found == 3 and source.last_error is None


def test_a_bad_page_fails_the_run_but_keeps_the_pages_before_it(engine, tmp_path):
    fake = FakeTime()
    with LocalServer() as server:
        server.route("/search", Reply(200, XML, PAGE_1), Reply(200, XML, PAGE_2[: len(PAGE_2) // 2]))
        add_source(engine, "undl-crc", "undl", server.url("/search"), symbols=["CRC/C/NOR/*"])
        with client(fake) as http:
            result = run_source(engine=engine, key="undl-crc", http=http, download_dir=tmp_path)
    assert not result.ok and result.new == 2 and len(item_keys(engine)) == 2


def test_uhri_is_streamed_through_the_runner_into_its_download_folder(engine, tmp_path):
    fake = FakeTime()
    export = (FIXTURES / "uhri" / "norway_mixed.json").read_bytes()
    with LocalServer() as server:
        server.route("/export-full-en.json", Reply(200, {**JSON, "ETag": '"v1"'}, export, chunk_size=1024), Reply(304))
        add_source(engine, "uhri", "uhri", server.url("/export-full-en.json"), countries=["Norway"])
        with client(fake, max_bytes=10_000) as http:  # the source's own cap (1.5 GB) applies, not the general one
            first = run_source(engine=engine, key="uhri", http=http, download_dir=tmp_path / "downloads")
            second = run_source(engine=engine, key="uhri", http=http, download_dir=tmp_path / "downloads")
    assert first.ok and first.new == 6 + 5, first.error  # six paragraphs and the five documents they belong to
    assert second.ok and second.not_modified and second.new == 0
    assert server.requests[1].header("If-None-Match") == '"v1"'
    assert list((tmp_path / "downloads").iterdir()) == []  # nothing left behind
    source, _ = source_row(engine, "uhri")
    assert source.etag == '"v1"' and source.cursor == "2025-06-20T08:15:02.227"
    assert all(key.startswith(("uhri:", "un:")) for key in item_keys(engine))


def test_a_changed_page_updates_its_items_and_retags_them_from_their_stored_tags(engine):
    body = (FIXTURES / "rss" / "nim_rss.xml").read_bytes()
    add_source(engine, "nim", "rss", "https://www.nhri.no/feed")
    first = ingest(engine=engine, key="nim", payloads=[Payload(body)])
    tagged = tag_rows(engine)
    second = ingest(engine=engine, key="nim", payloads=[Payload(body.replace(b"</title>", b" (oppdatert)</title>"))])
    assert first.ok and second.ok, second.error
    assert (second.new, second.updated) == (0, first.new) and len(item_keys(engine)) == first.new
    assert tagged and tag_rows(engine) == tagged  # the stored tags were read and kept, not inserted twice
    with transaction(engine) as session:
        titles = [c.changes["title"][1] for c in session.scalars(select(ItemChange))]
    assert len(titles) == first.new and all(t.endswith("(oppdatert)") for t in titles)


def tag_rows(engine) -> set[tuple[str, str, str]]:
    with transaction(engine) as session:
        return set(session.execute(select(Item.key, Tag.sector, Tag.origin).join(Tag, Tag.item_id == Item.id)).all())
