"""End to end: a judgment's text served over HTTP → fetched → extracted → re-tagged → on the governor's page.

The title says nothing about the sector ("CASE OF M.H. AND OTHERS v. NORWAY"); only the facts do. So
the child-welfare tag, its "document.facts" evidence and the marked words on /queue/<id> can only
come from the document text having travelled the whole path.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from relay.db import transaction
from relay.documents.fetch import fetch_due
from relay.documents.retag import tag_changed
from relay.http import HttpClient
from relay.models import Item, Tag
from tests.documents import support
from tests.documents.support import HTML, concluding_observations, item_with_document
from tests.httpserver import LocalServer, Reply

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "documents" / "hudoc_judgment_municipal_care.html"
ITEMID = "001-990001"
http, ohchr = support.http, support.ohchr  # the document tests' fixtures, found here by name


@pytest.fixture
def hudoc():
    with LocalServer() as running:
        running.route("/app/conversion/docx/html/body", Reply(200, {**HTML, "ETag": '"v1"'}, FIXTURE.read_bytes()))
        yield running


def collected_judgment(engine, hudoc: LocalServer) -> int:
    """A judgment as the HUDOC collector leaves it: tagged on its metadata, its body document pending."""
    item_id, _ = item_with_document(
        engine, url=hudoc.url(f"/app/conversion/docx/html/body?library=ECHR&id={ITEMID}"), via="hudoc", tagged=True,
        title="CASE OF M.H. AND OTHERS v. NORWAY", body="ECHR", language="en", states="NOR",
        meta={"itemid": ITEMID, "appno": "12345/20"})
    return item_id


def fetched_judgment(engine, hudoc: LocalServer, http: HttpClient) -> int:
    """The same judgment after the scheduler's two steps: documents fetched, changed items re-tagged."""
    item_id = collected_judgment(engine, hudoc)
    assert fetch_due(engine=engine, http=http).outcomes == {"extracted": 1}
    assert tag_changed(engine) == 1
    return item_id


def sectors_of(engine, item_id: int) -> dict[str, Tag]:
    with transaction(engine) as session:
        return {t.sector: t for t in session.scalars(select(Tag).where(Tag.item_id == item_id))}


def test_a_fetched_judgment_is_re_tagged_from_its_facts_and_shown_highlighted(engine, hudoc, http, client_for):
    item_id = collected_judgment(engine, hudoc)
    assert sectors_of(engine, item_id) == {}  # the metadata alone names no municipal sector
    gov = client_for("governor_a")
    # Listed for review without a sector (issue 20: nothing vanishes before a person sees it).
    assert f"/queue/{item_id}" in gov.get("/queue?sector=none").text

    assert fetch_due(engine=engine, http=http).outcomes == {"extracted": 1}
    assert hudoc.hits("/app/conversion/docx/html/body") == 1
    assert tag_changed(engine) == 1
    assert tag_changed(engine) == 0  # nothing left to do: the marker was cleared

    tags = sectors_of(engine, item_id)
    assert "child-welfare" in tags
    care = next(e for e in tags["child-welfare"].evidence if e["rule"] == "child-welfare.text.care")
    assert care["field"] == "document.facts"
    assert "child welfare" in care["words"]

    assert f"/queue/{item_id}" in gov.get("/queue?sector=child-welfare").text
    assert f"/queue/{item_id}" not in gov.get("/queue?sector=none").text
    page = gov.get(f"/queue/{item_id}")
    assert page.status_code == 200
    # The evidence list: the field named, the words marked in their sentence from the facts.
    assert "<code>document.facts</code>" in page.text
    assert re.search(r'<blockquote class="match">[^<]*<mark>child welfare</mark> service placed the children in',
                     page.text)
    # The document partial: the facts with the same words marked, the operative part, status and link.
    facts = re.search(r'<figure class="passage" data-field="document.facts">(.*?)</figure>', page.text, re.S)
    assert facts and "<mark>child welfare</mark>" in facts.group(1) and "<mark>foster</mark>" in facts.group(1)
    operative = re.search(r'<figure class="passage" data-field="document.operative">(.*?)</figure>', page.text, re.S)
    assert operative and "there has been a violation of Article 8" in operative.group(1)
    assert page.text.index('data-field="document.operative"') < page.text.index('data-field="document.facts"')
    assert "Fulltekst:</strong> Hentet " in page.text and "(HTML): 7 nummererte avsnitt" in page.text
    assert f'href="https://hudoc.echr.coe.int/eng?i={ITEMID}" rel="noopener">Åpne hele dokumentet' in page.text
    assert "<script>" not in page.text.split('<section class="document"')[1].split("</section>")[0]


def test_the_document_part_of_the_page_follows_the_page_language(engine, hudoc, http, client_for):
    item_id = fetched_judgment(engine, hudoc, http)
    gov = client_for("governor_a")
    nn = gov.get(f"/queue/{item_id}?lang=nn").text
    assert "Frå dokumentet" in nn and "Opne heile dokumentet" in nn and "Domsslutning" in nn
    en = gov.get(f"/queue/{item_id}?lang=en").text
    assert "From the document" in en and "Operative provisions" in en and "Full text:</strong> Fetched" in en


def test_a_document_still_pending_says_so_on_the_page(engine, hudoc, client_for):
    item_id = collected_judgment(engine, hudoc)
    with transaction(engine) as session:  # a governor tagged it by hand before the text arrived
        session.add(Tag(item_id=item_id, sector="child-welfare", origin="human", score=0.0, evidence=[]))
    page = client_for("governor_a").get(f"/queue/{item_id}")
    assert page.status_code == 200
    assert "Fulltekst er ikke hentet ennå." in page.text and 'data-field="document.' not in page.text


def test_an_unchanged_recheck_leaves_the_tags_and_a_changed_text_re_tags(engine, hudoc, http):
    from datetime import timedelta

    from relay.models import utcnow

    item_id = fetched_judgment(engine, hudoc, http)
    with transaction(engine) as session:
        tagged_at = session.get(Item, item_id).tagged_at
    later = utcnow() + timedelta(days=31)
    assert fetch_due(engine=engine, http=http, now=later).outcomes == {"unchanged": 1}
    assert tag_changed(engine) == 0
    with transaction(engine) as session:
        assert session.get(Item, item_id).tagged_at == tagged_at

    corrected = FIXTURE.read_bytes().replace(b"child welfare service placed the children in foster care",
                                             b"tax office assessed the family business")
    corrected = corrected.replace(b"children in", b"sons in").replace(b"contact with her sons", b"meetings")
    hudoc.route("/app/conversion/docx/html/body", Reply(200, {**HTML, "ETag": '"v2"'}, corrected))
    assert fetch_due(engine=engine, http=http, now=later + timedelta(days=31)).outcomes == {"extracted": 1}
    assert tag_changed(engine) == 1
    assert "child-welfare" not in sectors_of(engine, item_id)


def test_concluding_observations_show_the_recommendations_that_fired(engine, ohchr, http, client_for):
    item_id = concluding_observations(engine, ohchr)
    fetch_due(engine=engine, http=http)
    tag_changed(engine)
    page = client_for("governor_a").get(f"/queue/{item_id}")
    assert page.status_code == 200
    para = re.search(r'<figure class="passage" data-field="document.para.27">(.*?)</figure>', page.text, re.S)
    assert para and "Avsnitt 27" in para.group(1) and "Children deprived of a family environment" in para.group(1)
    assert "<mark>child welfare</mark>" in para.group(1)
    assert "<code>document.para.27</code>" in page.text
    assert "anbefalinger." in page.text and 'href="http://127.0.0.1:' in page.text  # the file Relay read
