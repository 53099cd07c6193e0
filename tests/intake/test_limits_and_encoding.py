"""Limits (new items per run, field sizes), ids checked against each source's pattern, and text that
arrived wrongly decoded: re-decoded or quarantined with a reason, never stored as mojibake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from feeds.records import Payload
from relay.collect import ingest
from relay.db import transaction
from relay.models import Source, SourceRun
from relay.settings import get_settings
from tests.intake.conftest import add_source, feed, items

CHANNEL = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>HUDOC</title>'
           '<link>http://hudoc.echr.coe.int</link><description>ECHR</description>')


def _hudoc_item(itemid: str, title: str, description: str) -> str:
    return (f"<item><title>{title}</title><pubDate>Tue, 15 Oct 2024 00:00:00 GMT</pubDate>"
            f"<description>{description}</description>"
            f'<link>http://hudoc.echr.coe.int/eng#{{"itemid":["{itemid}"]}}</link></item>')


def _news(n: int) -> str:
    return (f"<item><title>Nyhet {n}</title><link>https://www.nhri.no/2026/nyhet-{n}/</link>"
            f"<guid isPermaLink=\"false\">nhri-{n}</guid><pubDate>Tue, 17 Nov 2026 09:00:00 +0100</pubDate>"
            f"<description>Kort omtale {n}.</description></item>")


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setenv("RELAY_INTAKE__MAX_NEW_ITEMS_PER_RUN", "50")
    get_settings.cache_clear()
    yield 50
    get_settings.cache_clear()


def test_the_default_cap_is_500_new_items_per_run():
    assert get_settings().intake.max_new_items_per_run == 500


def test_a_feed_of_many_items_is_taken_in_runs_of_at_most_the_cap_and_nothing_is_lost(engine, small_cap):
    add_source(engine, "nim", "rss", states=["NOR"])
    body = (CHANNEL.replace("HUDOC", "NIM") + "".join(_news(n) for n in range(120)) + "</channel></rss>").encode()
    payload = Payload(body, etag='"v1"', cursor=None)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    runs = [ingest(engine=engine, key="nim", payloads=[payload], now=now + timedelta(hours=h)) for h in range(4)]
    assert [(r.new, r.deferred) for r in runs] == [(50, 70), (50, 20), (20, 0), (0, 0)]
    assert len(items(engine)) == 120
    with transaction(engine) as session:
        assert [r.items_deferred for r in session.scalars(select(SourceRun).order_by(SourceRun.id))] == [70, 20, 0, 0]
        # The ETag is kept only once nothing is left over: a 304 must not hide the rest.
        assert session.scalars(select(Source)).one().etag == '"v1"'


def test_an_oversized_description_is_cut_and_flagged_and_the_feeds_other_items_kept(engine):
    add_source(engine, "echr-rss", "hudoc-rss", instance="ECHR")
    huge = "Violation of Article 8 – family life. " * 800_000  # about 30 MB
    body = (CHANNEL + _hudoc_item("001-237299", "CASE OF HUGE v. NORWAY", huge)
            + _hudoc_item("001-237292", "CASE OF HAUGEN v. NORWAY", "59476/21 - Chamber Judgment")
            + "</channel></rss>").encode()
    result = feed(engine, "echr-rss", body)
    assert result.ok and result.new == 2
    stored = items(engine)
    big = stored["hudoc:001-237299"]
    limit = get_settings().intake.max_text_chars
    assert len(big.text) == limit and big.text.endswith("…") and "text" in big.meta["truncated"]
    assert len(big.meta["description"]) <= limit
    assert stored["hudoc:001-237292"].title == "CASE OF HAUGEN v. NORWAY"


def test_ids_that_do_not_fit_the_sources_pattern_never_become_item_keys(engine):
    add_source(engine, "echr-rss", "hudoc-rss", instance="ECHR")
    body = (CHANNEL + _hudoc_item("../../../etc/passwd", "CASE OF A v. NORWAY", "1/01 - Chamber Judgment")
            + _hudoc_item("001-1' OR '1'='1", "CASE OF B v. NORWAY", "2/01 - Chamber Judgment")
            + _hudoc_item("001-237292", "CASE OF HAUGEN v. NORWAY", "59476/21 - Chamber Judgment")
            + "</channel></rss>").encode()
    result = feed(engine, "echr-rss", body)
    assert set(items(engine)) == {"hudoc:001-237292"}
    assert sorted(r.record for r in result.rejected) == ["hudoc:../../../etc/passwd", "hudoc:001-1' OR '1'='1"]
    assert all("does not fit the hudoc id pattern" in r.reason for r in result.rejected)


def test_utf8_read_as_cp1252_is_re_decoded_and_undecodable_text_is_quarantined(engine):
    add_source(engine, "nim", "rss", states=["NOR"])
    body = (CHANNEL.replace("HUDOC", "NIM")
            + "<item><title>FOLGERØ AND OTHERS v. NORWAY – Å</title><link>https://www.nhri.no/a/</link>"
              "<guid>a</guid><description>Dom i saken FOLGERØ</description></item>").encode()
    body += (b"<item><title>H\xf8ring om barnevern</title><link>https://www.nhri.no/b/</link><guid>b</guid>"
             b"<description>S\xf8r</description></item>"
             b"<item><title>Broken \x81\x8d text</title><link>https://www.nhri.no/c/</link><guid>c</guid>"
             b"<description>x</description></item></channel></rss>")
    result = feed(engine, "nim", body)
    stored = {i.meta["entry_id"]: i for i in items(engine).values()}
    assert stored["a"].title == "FOLGERØ AND OTHERS v. NORWAY – Å" and stored["a"].text == "Dom i saken FOLGERØ"
    assert any("not valid UTF-8: 4 byte(s) were read as cp1252" in w for w in result.warnings)
    assert stored["b"].title == "Høring om barnevern"
    assert "c" not in stored
    [rejected] = result.rejected
    assert rejected.record == "rss:nim:c" and "not valid text" in rejected.reason and "quarantined" in rejected.reason
    assert not any("Ã" in i.title or "Ã" in i.text for i in stored.values())


def test_text_the_source_itself_double_encoded_is_re_decoded(engine):
    # A CMS that read its own UTF-8 as cp1252 and wrote the result out again as UTF-8: valid bytes, wrong text.
    add_source(engine, "nim", "rss", states=["NOR"])
    body = (CHANNEL.replace("HUDOC", "NIM")
            + "<item><title>FOLGERÃ˜ AND OTHERS v. NORWAY</title><link>https://www.nhri.no/a/</link>"
              "<guid>a</guid><description>Strand Lobben â€“ barnevern i SÃ¸r-Norge</description></item>"
              "</channel></rss>").encode()
    feed(engine, "nim", body)
    [item] = items(engine).values()
    assert item.title == "FOLGERØ AND OTHERS v. NORWAY" and item.text == "Strand Lobben – barnevern i Sør-Norge"
    assert "title was UTF-8 read as cp1252; re-decoded" in item.meta["warnings"]
