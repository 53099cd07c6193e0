"""Property: one randomly corrupted record among valid ones, in every source format, through the real
parser, checks and store. No exception escapes, every valid record of the payload is stored, and
nothing undecodable (U+FFFD, lone surrogates, control characters, cp1252-misread UTF-8) is stored."""

from __future__ import annotations

import json
import re
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from relay.db import transaction
from relay.models import Item, Source
from relay.store.text_repair import _MOJIBAKE
from tests.conftest import _empty_all_tables
from tests.intake.conftest import add_source, feed

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
UNDECODABLE = re.compile("[\ufffd\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# What a broken source sends where text belongs: other JSON types, control characters, lone
# surrogates, replacement characters, cp1252-misread UTF-8, very long text, hostile ids.
odd_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec=None, categories=("Cc", "Cs", "Co")), min_size=1, max_size=10),
    st.sampled_from(["FOLGERÃ˜", "S\ufffdr", "../../../etc/passwd", "001-1' OR '1'='1", "javascript:alert(1)",
                     "", "NULL", "31/31/2024", "9999-99-99", "x" * 50_000]),
)
# Values JSON can carry (NaN and Infinity are not JSON: such a body is refused whole, as a broken export).
json_values = st.one_of(odd_text, st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False, allow_infinity=False),
                        st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=5),
                                                                                     st.text(max_size=5), max_size=2))
raw_bytes = st.one_of(st.binary(max_size=30), odd_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
                      st.sampled_from([b"H\xf8ring", b"\x81\x8d\x8f", b"\xc3", b"\xff\xfe", b"\x00\x01\x1f"]))


def _xml_text(data: bytes) -> bytes:
    """The bytes as element text: markup escaped (a stray '<' is a broken document, not a broken record)."""
    return data.replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;")


def _clean_run(engine, key: str, kind: str, **params) -> None:
    _empty_all_tables(engine)
    add_source(engine, key, kind, **params)


def _assert_nothing_undecodable_stored(engine) -> None:
    with transaction(engine) as session:
        for item in session.scalars(select(Item)):
            for value in (item.key, item.title, item.text, item.url or "", json.dumps(item.meta, ensure_ascii=False)):
                assert not UNDECODABLE.search(value), (item.key, value[:80])
                assert not _MOJIBAKE.search(value), (item.key, value[:80])


def _stored_keys(engine) -> set[str]:
    with transaction(engine) as session:
        return set(session.scalars(select(Item.key)))


# --- HUDOC JSON ---------------------------------------------------------------------------------

def _hudoc_row(n: int) -> dict:
    return {"itemid": f"001-2373{n:02d}", "docname": f"CASE OF N{n} v. NORWAY", "ecli": f"ECLI:CE:ECHR:2024:10{n:02d}JUD00000{n:04d}",
            "languageisocode": "ENG", "appno": f"{n}/21", "respondent": "NOR", "kpdate": "10/15/2024 12:00:00 AM",
            "doctype": "HEJUD", "conclusion": "Violation of Article 8", "importance": "2"}


@PROPERTY
@given(column=st.sampled_from(sorted(_hudoc_row(0))), value=json_values)
def test_hudoc_json(engine, column, value):
    _clean_run(engine, "echr", "hudoc", instance="ECHR", respondent="NOR")
    rows = [_hudoc_row(n) for n in range(1, 4)] + [{**_hudoc_row(9), column: value}]
    body = json.dumps({"resultcount": str(len(rows)), "results": [{"columns": r} for r in rows]}).encode()
    result = feed(engine, "echr", body)
    assert result.ok, result.error
    assert {f"{r['ecli']}:ENG" for r in rows[:3]} <= _stored_keys(engine)
    _assert_nothing_undecodable_stored(engine)


# --- UHRI ---------------------------------------------------------------------------------------

def _uhri(n: int) -> dict:
    return {"AnnotationId": f"5a1b2c3d-0001-4e5f-8a9b-0000000002{n:02d}", "AnnotationType": "- Recommendations",
            "Body": "- CRC", "Countries": ["Norway"], "DocumentId": "9e8d7c6b-0001-4a5b-8c9d-00000000aa01",
            "PublicationDate": "2025-06-04T00:00:00", "PublicationDateOnUhri": f"2025-06-20T08:15:02.1{n:02d}",
            "Symbol": "CRC/C/NOR/CO/7", "Text": f"{n}.The Committee recommends that the State party act.",
            "Themes": ["Right to health"], "AffectedPersons": ["Children"], "Sdgs": [], "Regions": []}


@PROPERTY
@given(field=st.sampled_from(sorted(set(_uhri(0)) - {"Countries"})), value=json_values)
def test_uhri(engine, field, value):
    _clean_run(engine, "uhri", "uhri", countries=["Norway"])
    records = [_uhri(n) for n in range(1, 4)] + [{**_uhri(9), field: value}]
    result = feed(engine, "uhri", json.dumps(records).encode())
    assert result.ok, result.error
    assert {f"uhri:{r['AnnotationId']}" for r in records[:3]} <= _stored_keys(engine)
    _assert_nothing_undecodable_stored(engine)


# --- HUDOC RSS and generic RSS --------------------------------------------------------------------

def _hudoc_rss_item(itemid: bytes, title: bytes, description: bytes) -> bytes:
    return (b"<item><title>" + title + b"</title><pubDate>Tue, 15 Oct 2024 00:00:00 GMT</pubDate><description>"
            + description + b'</description><link>http://hudoc.echr.coe.int/eng#{"itemid":["' + itemid
            + b'"]}</link></item>')


@PROPERTY
@given(part=st.sampled_from(["itemid", "title", "description"]), data=raw_bytes)
def test_hudoc_rss(engine, part, data):
    _clean_run(engine, "echr-rss", "hudoc-rss", instance="ECHR")
    valid = [_hudoc_rss_item(f"001-2372{n:02d}".encode(), f"CASE OF N{n} v. NORWAY".encode(), b"1/21 - Chamber Judgment")
             for n in range(1, 4)]
    broken = {"itemid": b"001-237299", "title": b"CASE OF BROKEN v. NORWAY", "description": b"9/21 - Chamber Judgment"}
    broken[part] = _xml_text(data) if part != "itemid" else _xml_text(json.dumps(data.decode("latin-1"))[1:-1].encode())
    body = (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>HUDOC</title>'
            + b"".join(valid) + _hudoc_rss_item(**broken) + b"</channel></rss>")
    result = feed(engine, "echr-rss", body)
    assert result.ok, result.error
    assert {f"hudoc:001-2372{n:02d}" for n in range(1, 4)} <= _stored_keys(engine)
    _assert_nothing_undecodable_stored(engine)


def _news(guid: bytes, title: bytes, description: bytes) -> bytes:
    return (b"<item><title>" + title + b"</title><link>https://www.nhri.no/n/" + escape(guid.hex()).encode()
            + b"/</link><guid isPermaLink=\"false\">" + guid + b"</guid><description>" + description
            + b"</description></item>")


@PROPERTY
@given(part=st.sampled_from(["guid", "title", "description"]), data=raw_bytes)
def test_rss(engine, part, data):
    _clean_run(engine, "nim", "rss", states=["NOR"])
    valid = [_news(f"nhri-{n}".encode(), f"Nyhet {n} om barnevern".encode(), b"Kort omtale av saken")
             for n in range(1, 4)]
    broken = {"guid": b"nhri-9", "title": b"Nyhet 9", "description": b"Omtale"}
    broken[part] = _xml_text(data)
    body = (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>NIM</title>'
            b"<link>https://www.nhri.no/</link><description>x</description>"
            + b"".join(valid) + _news(**broken) + b"</channel></rss>")
    result = feed(engine, "nim", body)
    assert result.ok, result.error
    assert {f"rss:nim:nhri-{n}" for n in range(1, 4)} <= _stored_keys(engine)
    _assert_nothing_undecodable_stored(engine)


# --- UN Digital Library MARCXML -------------------------------------------------------------------

def _marc(recid: bytes, symbol: bytes, title: bytes, day: bytes, url: bytes) -> bytes:
    return (b'<record><controlfield tag="001">' + recid + b'</controlfield>'
            b'<datafield tag="191" ind1=" " ind2=" "><subfield code="a">' + symbol + b"</subfield></datafield>"
            b'<datafield tag="245" ind1="1" ind2="0"><subfield code="a">' + title + b"</subfield></datafield>"
            b'<datafield tag="269" ind1=" " ind2=" "><subfield code="a">' + day + b"</subfield></datafield>"
            b'<datafield tag="856" ind1="4" ind2=" "><subfield code="u">' + url + b"</subfield></datafield></record>")


@PROPERTY
@given(part=st.sampled_from(["recid", "symbol", "title", "day", "url"]), data=raw_bytes)
def test_undl(engine, part, data):
    _clean_run(engine, "undl", "undl")
    valid = [_marc(f"40800{n:02d}".encode(), f"CRC/C/NOR/CO/{n}".encode(), b"Concluding observations on Norway",
                   b"2025-06-04", f"https://digitallibrary.un.org/record/40800{n:02d}/files/a.pdf".encode())
             for n in range(1, 4)]
    broken = {"recid": b"4080099", "symbol": b"CCPR/C/NOR/CO/8", "title": b"Concluding observations", "day": b"2025-06-04",
              "url": b"https://digitallibrary.un.org/record/4080099/files/b.pdf"}
    broken[part] = _xml_text(data)
    body = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- Search-Engine-Total-Number-Of-Results: 4 -->\n'
            b'<collection xmlns="http://www.loc.gov/MARC21/slim">' + b"".join(valid) + _marc(**broken) + b"</collection>")
    result = feed(engine, "undl", body)
    assert result.ok, result.error
    assert {f"un:CRC/C/NOR/CO/{n}" for n in range(1, 4)} <= _stored_keys(engine)
    _assert_nothing_undecodable_stored(engine)


def test_every_collector_is_covered():
    from feeds import COLLECTORS

    covered = {"hudoc", "uhri", "hudoc-rss", "rss", "undl"}
    assert set(COLLECTORS) == covered
    with_sources = {name for name in globals() if name.startswith("test_")}
    assert {"test_hudoc_json", "test_uhri", "test_hudoc_rss", "test_rss", "test_undl"} <= with_sources
    assert Source  # the model the runs record on
