"""The report pages, downloads and JSON API as each persona sees them."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook


def _rows(html: str, key: str) -> list[list[str]]:
    """The body rows of the page table with data-table=key, as text cells."""
    table = re.search(rf'<table class="report-table" data-table="{key}">(.*?)</table>', html, re.S).group(1)
    body = table.split("<tbody>")[1]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_it_shows_the_ministry_every_office_with_definitions_and_charts(client_for, receipts):
    page = client_for("ministry").get("/reports")
    assert page.status_code == 200
    html = page.text
    assert "Summen av trinnene «levert uten feil» og «bekreftet mottatt»" in html  # the definition of "reached"
    # The definitions come after the figures, folded.
    assert html.index('id="evidence-headline"') < html.index('id="definitions"')
    assert '<details class="report-definitions" id="definitions">' in html
    assert html.count("<svg") == 3 and 'role="img"' in html and "<title id=" in html
    # the CSP allows neither inline styles nor inline script (base.html's one script is a file: /static/relay.js)
    assert " style=" not in html and re.findall(r"<script[^>]*>", html) == ['<script src="/static/relay.js" defer>']
    offices = _rows(html, "by_office")
    assert [r[0] for r in offices] == ["Statsforvalteren i Agder", "Statsforvalteren i Vestland"]
    vestland = offices[1]
    # Voss: a human click and an acknowledgement (confirmed). Bergen's postmottak: accepted by the smarthost
    # two hours ago, within the quiet period (in progress, not yet handed over).
    # targeted; shares confirmed, handed over, not reached; share acknowledged
    assert vestland[1:6] == ["2", "50 %", "0 %", "0 %", "50 %"]
    assert max(len(r) for r in offices) <= 7  # a table that reads on a laptop; the downloads carry every column
    assert re.search(r'<a href="/reports\?office=\d+">Statsforvalteren i Vestland</a>', html)  # drill-down
    counts = client_for("ministry").get("/reports/export/by_office.csv").text.lstrip("\ufeff").splitlines()
    header, row = counts[0].split(";"), next(line for line in counts if "Vestland" in line).split(";")
    got = dict(zip(header, row, strict=True))
    assert (got["Bekreftet mottatt"], got["Levert uten feil"], got["Under utsending"]) == ("1", "0", "1")


def test_a_governor_sees_only_its_own_office(client_for, receipts):
    governor = client_for("governor_a")
    html = governor.get(f"/reports?office={receipts.office_b}").text
    alerts = [r[0] for r in _rows(html, "alerts")]
    assert alerts == [str(receipts.alert_a)]
    assert {r[0] for r in _rows(html, "municipalities")} == {"4601", "4621"}


def test_another_offices_alert_or_municipality_is_forbidden(client_for, receipts):
    other = client_for("governor_b")
    for path in (f"/reports/alerts/{receipts.alert_a}", "/reports/municipalities/4621",
                 f"/reports/alerts/{receipts.alert_a}/export/contacts.csv", "/reports/municipalities/4621/export/alerts.xlsx",
                 f"/api/v1/reports/alerts/{receipts.alert_a}", "/api/v1/reports/municipalities/4621"):
        assert other.get(path).status_code == 403, path
    assert other.get(f"/reports/alerts/{receipts.alert_b}").status_code == 200
    own = client_for("governor_a")
    assert own.get(f"/reports/alerts/{receipts.alert_a}").status_code == 200


def test_the_alert_page_lists_who_did_not_acknowledge_first_and_each_contacts_ladder(client_for, receipts):
    html = client_for("governor_a").get(f"/reports/alerts/{receipts.alert_a}").text
    pairs = _rows(html, "municipalities")
    assert [r[0] for r in pairs] == ["4601", "4621"]  # Bergen has not acknowledged
    assert pairs[1][-1] == "Vil følge opp"
    contacts = _rows(html, "contacts")
    assert sorted(r[3] for r in contacts) == ["Oppsummering", "Postmottak"]  # how it went, in words (issue 21)
    voss = next(r for r in contacts if r[3] == "Oppsummering")
    assert voss[9:11] == ["1", "2"]  # one human click, two filtered as bots


def test_every_download_has_the_same_rows_as_the_page(client_for, receipts):
    ministry = client_for("ministry")
    html = ministry.get("/reports?lang=en").text
    for key in ("by_office", "by_month", "municipalities", "alerts", "gaps_by_sector"):
        page_rows = _rows(html, key)
        text = ministry.get(f"/reports/export/{key}.csv?lang=en").text.lstrip("\ufeff")
        lines = list(csv.reader(io.StringIO(text), delimiter=";"))
        assert len(lines) - 1 == len(page_rows), key
        assert [line[0] for line in lines[1:]] == [r[0] for r in page_rows], key
        book = load_workbook(io.BytesIO(ministry.get(f"/reports/export/{key}.xlsx?lang=en").content))
        sheet = book.worksheets[-1]  # after the sheet about the file
        assert sheet.max_row - 1 == len(page_rows)
        assert [str(c.value) for c in sheet["A"][1:]] == [r[0] for r in page_rows]
    workbook = load_workbook(io.BytesIO(ministry.get("/reports/export/all.xlsx?lang=nb").content))
    # sheets are named after their tables' captions in the reader's language (issue 21)
    assert "Etter fylke" in workbook.sheetnames and "Kontakter som avviser e-post" in workbook.sheetnames


def test_the_json_api_returns_the_same_figures_and_is_in_the_openapi_schema(client_for, receipts):
    ministry = client_for("ministry")
    data = ministry.get("/api/v1/reports/national").json()
    assert data["totals"]["targeted"] == 3 and data["totals"]["acknowledged"] == 1
    assert data["totals"]["bot_clicks"] == 2 and data["totals"]["clicks"] == 1
    assert data["totals"]["acknowledged_share"] == 33.3
    governor = client_for("governor_a").get(f"/api/v1/reports/national?office={receipts.office_b}").json()
    assert governor["filters"]["office_id"] == receipts.office_a and governor["totals"]["targeted"] == 2
    alert = ministry.get(f"/api/v1/reports/alerts/{receipts.alert_a}").json()
    assert alert["totals"]["median_hours_to_ack"] == 24.0  # 27 h after approval: past 24 h it counts in whole days
    schema = ministry.get("/api/openapi.json").json()
    assert "/api/v1/reports/national" in schema["paths"] and "NationalReport" in schema["components"]["schemas"]
    assert client_for("anonymous").get("/api/v1/reports/national").status_code == 401
    assert client_for("contact").get("/api/v1/reports/national").status_code == 403


def test_the_annual_report_in_three_languages_and_as_pdf(client_for, receipts):
    ministry = client_for("ministry")
    year = ministry.get(f"/api/v1/reports/alerts/{receipts.alert_a}").json()["alert"]["approved_at"][:4]
    nb = ministry.get(f"/reports/annual/{year}")
    assert nb.status_code == 200 and "Årsrapport" in nb.text and "Metode" in nb.text
    assert "Årsrapport" in ministry.get(f"/reports/annual/{year}?lang=nn").text
    assert "Annual report" in ministry.get(f"/reports/annual/{year}?lang=en").text
    pdf = ministry.get(f"/reports/annual/{year}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Tagged for screen readers (PDF/UA-1): a structure tree, marked content and the document's language.
    objects = _pdf_objects(pdf.content)
    assert b"/StructTreeRoot" in objects and b"/MarkInfo <</Marked true>>" in objects and b"/Lang (" in objects
    assert b"pdfuaid:part" in objects  # the PDF/UA identification in the metadata
    # This year is not over: the figures are "per <date>", never "ved årets slutt".
    assert "Året er ikke omme: tallene gjelder per " in nb.text and "ved årets slutt" not in nb.text


def _pdf_objects(pdf: bytes) -> bytes:
    """The PDF's objects as text, with its compressed object streams inflated."""
    import zlib

    out = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompressobj().decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(out)


def test_a_year_that_is_over_speaks_of_its_end(engine, receipts):
    from datetime import date

    from relay.db import transaction
    from relay.reports.annual import annual_report, render_html

    with transaction(engine) as session:
        past = annual_report(session=session, year=2025, today=date(2026, 3, 1))
        current = annual_report(session=session, year=2026, today=date(2026, 12, 7))
    assert past.as_of is None and "ved årets slutt" in render_html(past)
    assert current.as_of == date(2026, 12, 7) and "per 07.12.2026" in render_html(current)


def test_issuing_bodies_are_named_in_the_readers_language(client_for, receipts, engine):
    from relay.db import transaction
    from relay.models import Alert

    with transaction(engine) as s:  # before the first report counts it
        s.get(Alert, receipts.alert_a).item.body = "ECHR"
    reader = client_for("ministry")
    html = reader.get("/reports").text
    assert [r[0] for r in _rows(html, "by_body")] == ["Den europeiske menneskerettsdomstolen (EMD)",
                                                      "Uten oppgitt organ"]  # the other office's alert has none
    assert re.search(r'<option value="ECHR"\s*>Den europeiske menneskerettsdomstolen \(EMD\)</option>', html)  # code filters
    english = reader.get("/reports?lang=en").text
    assert [r[0] for r in _rows(english, "by_body")] == ["European Court of Human Rights (ECtHR)",
                                                         "No issuing body given"]
    download = reader.get("/reports/export/by_body.csv?lang=nn").text
    assert "Den europeiske menneskerettsdomstolen (EMD)" in download and "ECHR," not in download


def test_a_body_without_a_name_keeps_its_code_and_none_is_said():
    from relay.i18n import translator
    from relay.reports.labels import body_name

    assert body_name("SR on housing", translator("nb")) == "SR on housing"
    assert body_name(None, translator("nn")) == "Utan oppgitt organ"
    assert body_name("CRC", translator("sv")) == "FN:s barnrättskommitté (CRC)"
