"""UHRI: wrong-typed records logged and listed, duplicates resolved by the newer PublicationDateOnUhri,
different AnnotationIds never merged, paragraphs under their document; MARC: javascript: links dropped."""

from __future__ import annotations

import logging

from sqlalchemy import select

from relay.db import transaction
from relay.models import Item
from relay.web.pages.desk.queue import list_queue
from tests import factories
from tests.intake.conftest import add_source, feed, items

DOC = "un:CRC/C/NOR/CO/7"
MARC = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Search-Engine-Total-Number-Of-Results: 1 -->
<collection xmlns="http://www.loc.gov/MARC21/slim">
<record>
  <controlfield tag="001">4080001</controlfield>
  <datafield tag="191" ind1=" " ind2=" "><subfield code="a">CRC/C/NOR/CO/7</subfield></datafield>
  <datafield tag="245" ind1="1" ind2="0"><subfield code="a">Concluding observations on the seventh periodic report of Norway :</subfield></datafield>
  <datafield tag="269" ind1=" " ind2=" "><subfield code="a">2025-06-04</subfield></datafield>
  <datafield tag="856" ind1="4" ind2=" "><subfield code="u">javascript:alert(document.cookie)</subfield><subfield code="y">English</subfield></datafield>
  <datafield tag="856" ind1="4" ind2=" "><subfield code="u">https://digitallibrary.un.org/record/4080001/files/CRC_C_NOR_CO_7-EN.pdf</subfield><subfield code="y">English</subfield></datafield>
</record>
</collection>"""


def test_uhri_quirks_are_each_handled_and_every_good_paragraph_stored(engine, caplog):
    add_source(engine, "uhri", "uhri", countries=["Norway"])
    with caplog.at_level(logging.WARNING, logger="relay.collect"):
        result = feed(engine, "uhri", "uhri/norway_quirks.json")
    assert result.ok
    stored = items(engine)
    # Same symbol and paragraph (24), two AnnotationIds: two items, never merged.
    assert {"uhri:5a1b2c3d-0001-4e5f-8a9b-000000000101", "uhri:5a1b2c3d-0001-4e5f-8a9b-000000000102"} <= set(stored)
    # A repeated AnnotationId: the record entered later in UHRI wins although it comes first in the file.
    corrected = stored["uhri:5a1b2c3d-0001-4e5f-8a9b-000000000103"]
    assert corrected.text.endswith("(corrected).")
    # Wrong types: rejected with the reason, logged, and nothing of them stored.
    reasons = sorted(r.reason for r in result.rejected)
    assert reasons == ["AffectedPersons is dict where the export sends a list of texts",
                       "AnnotationId is int where the export sends text"]
    logged = [r for r in caplog.records if r.getMessage() == "record rejected"]
    assert len(logged) == 2 and {r.reason for r in logged} == set(reasons)
    assert "uhri:5a1b2c3d-0001-4e5f-8a9b-000000000104" not in stored
    # The paragraphs hang under their document, which is the one queue entry.
    document = stored[DOC]
    assert document.kind == "concluding-observations"
    assert {i.parent_item_id for k, i in stored.items() if k.startswith("uhri:")} == {document.id}
    with transaction(engine) as session:
        office = factories.make_office(session)
        entries = list_queue(session=session, office_id=office.id)
        assert [e.key for e in entries] == [DOC]


def test_the_library_describes_the_document_better_and_drops_a_javascript_link(engine):
    add_source(engine, "uhri", "uhri", countries=["Norway"])
    add_source(engine, "undl", "undl")
    feed(engine, "uhri", "uhri/norway_quirks.json")
    result = feed(engine, "undl", MARC)
    assert result.ok
    document = items(engine)[DOC]
    assert document.title == "Concluding observations on the seventh periodic report of Norway"
    assert [f["url"] for f in document.meta["files"]] == [
        "https://digitallibrary.un.org/record/4080001/files/CRC_C_NOR_CO_7-EN.pdf"]
    assert "javascript" not in str(document.meta["files"]) and document.url.startswith("https:")
    # UHRI again: its bare-symbol title does not replace the library's.
    feed(engine, "uhri", "uhri/norway_quirks.json")
    assert items(engine)[DOC].title.startswith("Concluding observations")
    with transaction(engine) as session:
        assert session.scalars(select(Item).where(Item.key == DOC)).one().meta["from_uhri"] is True
