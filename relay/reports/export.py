"""Tables out: CSV, XLSX and plain text (the CLI), from the same Table objects the pages show."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

from relay.dates import csv_moment
from relay.reports.reach import REPORT_TZ
from relay.reports.tables import Table, fmt
from relay.spreadsheet_safety import defuse, starts_like_formula

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _cell(value, kind: str, language: str):
    if value is None:
        return ""
    if isinstance(value, datetime):  # 07.12.2026 23:14:05: the pages' date, a time Excel reads
        return csv_moment(value, language, REPORT_TZ.key)
    if kind in ("pct", "hours") and language != "en":
        return str(value).replace(".", ",")
    if isinstance(value, str):  # text from feeds and governors: never a formula in a spreadsheet
        return defuse(value)
    return value


def to_csv(table: Table, language: str = "nb") -> str:
    """Semicolons and a byte-order mark, so Excel in a Norwegian locale opens it as columns;
    decimal commas except in English; times in Norwegian time with their UTC offset."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.label for c in table.columns])
    for row in table.rows:
        writer.writerow([_cell(v, c.kind, language) for v, c in zip(row, table.columns, strict=True)])
    return out.getvalue()


def to_xlsx(tables: list[Table], about: list[tuple[str, str]] | None = None,
            about_title: str = "about") -> bytes:
    """One sheet per table, numbers as numbers and times as Excel times (Norwegian time).
    about: (label, value) rows for a first sheet saying what the file holds (the filters used)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    if about:
        sheet = book.create_sheet(title=about_title[:31])
        for label, value in about:
            sheet.append([label, value])
            sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        _force_text(sheet)
        sheet.column_dimensions["A"].width = max(10, min(48, max(len(label) for label, _ in about) + 2))
        sheet.column_dimensions["B"].width = 48
    for table in tables:
        sheet = book.create_sheet(title=sheet_title(table.caption or table.key, book.sheetnames))
        sheet.append([c.label for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_xlsx_value(v) for v in row])
        _force_text(sheet)
        for index, column in enumerate(table.columns, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            sheet.column_dimensions[letter].width = max(10, min(48, len(column.label) + 2))
            if column.kind == "time":
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "yyyy-mm-dd hh:mm"
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_title(caption: str, taken: list[str]) -> str:
    """A sheet named in the reader's language after the table's caption ("Totalt", not "totals"):
    Excel allows 31 characters and none of [ ] : * ? / \\; cut at a word, numbered when taken."""
    clean = " ".join(re.sub(r"[\[\]:*?/\\]", " ", caption).split()) or "Tabell"
    if len(clean) > 31:  # an explanation in brackets goes first: "Etter sektor (et varsel med …)"
        clean = " ".join(re.sub(r"\([^)]*\)?", " ", clean).split()) or clean
    if len(clean) > 31:
        clean = clean[:31].rsplit(" ", 1)[0] if " " in clean[:31] else clean[:31]
    title, n = clean, 2
    while title.casefold() in (t.casefold() for t in taken):
        suffix = f" ({n})"
        title, n = clean[:31 - len(suffix)].rstrip() + suffix, n + 1
    return title


def _xlsx_value(value):
    if isinstance(value, datetime):
        return value.astimezone(REPORT_TZ).replace(tzinfo=None)  # Excel has no time zones
    return value


def _force_text(sheet) -> None:
    """openpyxl turns every string starting with "=" into a formula: a feed item titled
    '=HYPERLINK(…)' would be a live link in the ministry's workbook. Text cells are stored as
    strings (shown exactly as written), and the ones that look like formulas also get Excel's
    quote prefix, so editing the cell in Excel does not turn it into one either."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                if starts_like_formula(cell.value):
                    cell.quotePrefix = True


def to_text(tables: list[Table], language: str = "nb") -> str:
    """Aligned columns for a terminal, one block per table."""
    blocks = []
    for table in tables:
        cells = [[c.label for c in table.columns]] + [
            [fmt(v, c.kind, language) for v, c in zip(row, table.columns, strict=True)] for row in table.rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(table.columns))]
        right = [c.kind != "text" for c in table.columns]
        lines = [table.caption, "=" * len(table.caption)]
        for n, row in enumerate(cells):
            lines.append("  ".join(v.rjust(w) if r and n else v.ljust(w) for v, w, r in
                                   zip(row, widths, right, strict=True)).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
