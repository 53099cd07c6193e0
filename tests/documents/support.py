"""What the document tests share: an HTTP client without delays, OHCHR served from 127.0.0.1, and items
whose documents are pending, as the collectors leave them. Fixtures here are imported by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from relay.db import transaction
from relay.http import HttpClient
from relay.models import Document
from relay.settings import HttpSettings
from relay.tagging.apply import tag_item
from tests.factories import make_item
from tests.httpserver import LocalServer, Reply

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "documents"
HTML = {"Content-Type": "text/html; charset=utf-8"}
SYMBOL = "CRC/C/NOR/CO/5-6"


@pytest.fixture
def http():
    with HttpClient(HttpSettings(host_delay=0.0, retries=0, connect_timeout=2.0, read_timeout=5.0,
                                 request_deadline=20.0)) as client:
        yield client


@pytest.fixture
def ohchr():
    """OHCHR's Download.aspx listing and the English HTML file it links to (a relative link: this server)."""
    with LocalServer() as running:
        running.route("/Download.aspx", Reply(200, HTML, (FIXTURES / "ohchr_download.html").read_bytes()))
        running.route("/SelfServices/FilesHandler.ashx",
                      Reply(200, {"Content-Type": "text/html; charset=windows-1252"},
                            (FIXTURES / "crc_co_nor.html").read_bytes()))
        yield running


def item_with_document(engine, *, url: str, via: str, tagged: bool = False, **item_fields) -> tuple[int, int]:
    """An item with its body document pending at `url`; a HUDOC item also with its legal-summary look-up
    already over (none published), so nothing in a test leaves the machine unless it asks."""
    with transaction(engine) as session:
        item = make_item(session, **item_fields)
        if tagged:
            tag_item(session=session, item=item)  # as the collector leaves it: tagged on its metadata
        doc = Document(item_id=item.id, kind="body", url=url, status="pending", structure={"via": via})
        session.add(doc)
        if via == "hudoc":
            session.add(Document(item_id=item.id, kind="legal-summary", url="-", status="empty"))
        session.flush()
        return item.id, doc.id


def concluding_observations(engine, ohchr: LocalServer) -> int:
    """The CRC's concluding observations on Norway, tagged on their title, the document at `ohchr`."""
    item_id, _ = item_with_document(
        engine, url=ohchr.url(f"/Download.aspx?symbolno={SYMBOL}&Lang=en"), via="ohchr", tagged=True,
        key=f"un:{SYMBOL}", kind="concluding-observations", body="CRC", language="en",
        title=f"Concluding observations ({SYMBOL})", meta={"symbol": SYMBOL})
    return item_id
