"""Passages for the tagger, and the partial that shows them: marks on escaped text only."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from relay.db import transaction
from relay.documents.evidence import field_text, tagging_text
from relay.documents.extract import extract
from relay.documents.view import document_context, segments
from relay.models import Document, Tag
from relay.web.templating import http_url
from tests.factories import make_item

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "documents"


def stored(session, item, name: str, doc_type: str, kind: str = "body", **structure) -> Document:
    fmt, extracted = extract((FIXTURES / name).read_bytes(), doc_type=doc_type, max_chars=10**6)
    doc = Document(item_id=item.id, kind=kind, url="https://x.test/", status="ok", format=fmt, text=extracted.text,
                   structure={**extracted.structure, **structure})
    session.add(doc)
    session.flush()
    return doc


def render(context: dict) -> str:
    env = Environment(loader=FileSystemLoader(ROOT / "templates" / "web"), autoescape=True)
    env.filters["http_url"] = http_url  # the web app's own filter: source links must be http(s)
    return env.get_template("_document.html").render(doc=context)


def test_it_offers_the_facts_and_the_operative_part_with_offsets(engine):
    with transaction(engine) as session:
        item = make_item(session, body="ECHR")
        doc = stored(session, item, "hudoc_judgment_en.html", "judgment")
        passages = tagging_text(item)
        assert [field for field, _ in passages] == ["document.facts", "document.operative"]
        facts = passages[0]
        assert "emergency foster home" in facts.text
        assert doc.text[facts.start:facts.end] == facts.text
        assert field_text(item, "document.operative").startswith("FOR THESE REASONS")


def test_it_offers_each_recommendation_as_its_own_field(engine):
    with transaction(engine) as session:
        item = make_item(session, body="CRC", kind="concluding-observations")
        stored(session, item, "crc_co_nor.html", "concluding-observations")
        passages = tagging_text(item, session=session)
        assert [p.field for p in passages] == ["document.para.4", "document.para.27", "document.para.28"]
        assert passages[1].heading[-1] == "Children deprived of a family environment"


def test_it_offers_nothing_before_a_document_is_fetched(engine):
    with transaction(engine) as session:
        item = make_item(session)
        session.add(Document(item_id=item.id, kind="body", url="https://x.test/", status="pending"))
        session.flush()
        assert tagging_text(item) == []


def test_the_partial_marks_evidence_and_escapes_source_text(engine):
    with transaction(engine) as session:
        item = make_item(session, body="ECHR", group_key="ECLI:CE:ECHR:2019:0910JUD003728313", language="en")
        doc = stored(session, item, "hudoc_judgment_en.html", "judgment")
        doc.text = doc.text.replace("emergency foster home", "emergency <script>alert(1)</script> foster home")
        facts = field_text(item, "document.facts")
        start = facts.index("foster home")
        session.add(Tag(item_id=item.id, sector="child-welfare", evidence=[
            {"field": "document.facts", "positions": [[start, start + len("foster home")]], "rule": "cw"},
            {"field": "document.operative", "words": ["Article 8"]}]))
        stored(session, item, "hudoc_clin.html", "legal-summary", kind="legal-summary",
               summary_itemid="002-12589", summary_title="Strand Lobben and Others v. Norway [GC]")
        make_item(session, key="nor", title="STRAND LOBBEN OG ANDRE mot NORGE - [Norwegian Translation]",
                  group_key=item.group_key, language="nb", body="ECHR", url="http://hudoc.echr.coe.int/eng?i=001-1",
                  meta={"itemid": "001-200455"}, primary_item_id=item.id)
        session.flush()
        session.refresh(item)
        context = document_context(session=session, item=item, lang="en")
    html = render(context)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<mark>foster home</mark>" in html
    assert "<mark>Article 8</mark>" in html
    assert "The Court&#39;s legal summary" in html and "balancing exercise" in html
    assert 'href="https://hudoc.echr.coe.int/eng?i=002-12589"' in html
    assert 'href="https://hudoc.echr.coe.int/eng?i=001-200455"' in html and "Norwegian translation" in html


def test_the_partial_shows_why_a_text_is_missing(engine):
    with transaction(engine) as session:
        item = make_item(session)
        session.add(Document(item_id=item.id, kind="body", url="https://x.test/", status="failed",
                             error="https://x.test/ answered 404 <Not Found>"))
        session.flush()
        html = render(document_context(session=session, item=item, lang="nb"))
    assert "Fulltekst kunne ikke hentes" in html and "&lt;Not Found&gt;" in html


def test_long_passages_keep_a_window_around_each_mark():
    text = "a " * 2_000 + "foster home" + " b" * 2_000
    start = text.index("foster")
    parts = segments(text, [(start, start + 11)])
    assert [p["text"] for p in parts if p["mark"]] == ["foster home"]
    assert sum(len(p["text"]) for p in parts) < 700
    assert parts[0]["gap"] and parts[-1]["gap"]
