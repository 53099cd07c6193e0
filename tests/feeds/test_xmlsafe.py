"""feeds/xmlsafe.py and feeds/text.py: entity attacks refused, markup reduced to text."""

from __future__ import annotations

import time

import pytest

from feeds.records import FeedError
from feeds.text import clean_text
from feeds.xmlsafe import parse_xml
from tests.conftest import FIXTURES

HUDOC = FIXTURES / "hudoc"


@pytest.mark.parametrize("name", ["xxe.xml", "billion_laughs.xml"])
def test_it_refuses_documents_that_declare_entities(name):
    started = time.perf_counter()
    with pytest.raises(FeedError, match="declares entities") as caught:
        parse_xml((HUDOC / name).read_bytes())
    assert caught.value.retryable is False
    assert time.perf_counter() - started < 1  # refused, not expanded


def test_it_refuses_entities_in_a_utf16_document():
    doc = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>'.encode("utf-16")
    with pytest.raises(FeedError, match="declares entities"):
        parse_xml(doc)


def test_it_never_reads_an_external_entity_even_without_the_prolog_scan(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    # The declaration sits past the scanned prolog bytes, so only the DTD check can catch it.
    padding = "<!-- " + "x" * 70_000 + " -->"
    doc = f'<?xml version="1.0"?>{padding}<!DOCTYPE r [<!ENTITY s SYSTEM "file://{secret}">]><r>&s;</r>'
    with pytest.raises(FeedError) as caught:
        parse_xml(doc.encode())
    assert "TOPSECRET" not in str(caught.value)


def test_it_parses_ordinary_xml_with_a_leading_newline():
    root = parse_xml(b'\n<?xml version="1.0" encoding="utf-8"?><rss><channel/></rss>')
    assert root.tag == "rss"


def test_it_allows_a_doctype_without_entities():
    assert parse_xml(b'<!DOCTYPE rss PUBLIC "-//x//y" "http://example.invalid/rss.dtd"><rss/>').tag == "rss"


@pytest.mark.parametrize("raw", [b"", b"   ", b"<rss><channel>", b"not xml at all"])
def test_it_turns_broken_xml_into_a_feed_error(raw):
    with pytest.raises(FeedError):
        parse_xml(raw)


@pytest.mark.parametrize(("raw", "text"), [
    ("  CASE OF A AND B v. NORWAY\n", "CASE OF A AND B v. NORWAY"),
    ("FOLGER&#216; &amp; OTHERS", "FOLGERØ & OTHERS"),
    ("<p>First</p><p>second</p> <b>bo</b>ld", "First second bold"),
    ("Title<script>alert(1)</script> end", "Title end"),
    ("&lt;script&gt;alert(1)&lt;/script&gt;Title", "Title"),
    ("<style>p {color: red}</style>Body", "Body"),
    ("a < b and c > d", "a < b and c > d"),
    ("non\u00a0breaking\ttab\r\nline", "non breaking tab line"),
    (None, ""),
])
def test_it_reduces_source_strings_to_plain_text(raw, text):
    assert clean_text(raw) == text
