"""The report pages say what they cover: the filters as the scope line and in every download, sector
names instead of ids, download links named for people, and the alert's own title in the tab."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from relay.db import transaction
from relay.models import Alert


def _lead(page: str) -> str:
    return re.sub(r"\s+", " ", re.search(r'<p class="lead"[^>]*>(.*?)</p>', page, re.S).group(1))


def test_the_scope_line_names_the_filters_and_not_the_whole_country(client_for, vestland):
    ministry = client_for("ministry")
    lead = _lead(ministry.get(f"/reports?county={vestland}&sector=child-welfare&year=2026").text)
    assert lead.startswith("Vestland · Barnevern · 2026 · ") and "Hele landet" not in lead
    assert _lead(ministry.get("/reports?sector=child-welfare&start=2026-03&lang=en").text).startswith(
        "The whole country · Child welfare · from 03.2026 · ")  # a link's 2026-03 in the page's date order
    assert _lead(ministry.get("/reports?lang=nb").text).startswith("Hele landet · ")


def test_the_downloads_carry_the_filters(client_for, vestland):
    ministry = client_for("ministry")
    query = f"county={vestland}&sector=child-welfare&year=2026"
    csv_file = ministry.get(f"/reports/export/by_month.csv?{query}")
    assert csv_file.headers["content-disposition"] == (
        'attachment; filename="relay-reach-vestland-child-welfare-2026-by_month.csv"')
    assert csv_file.text.lstrip("\ufeff").startswith("Måned;")  # the CSV itself stays plain rows for tools
    workbook = ministry.get(f"/reports/export/all.xlsx?{query}")
    assert 'filename="relay-reach-vestland-child-welfare-2026-all.xlsx"' in workbook.headers["content-disposition"]
    book = load_workbook(io.BytesIO(workbook.content))
    about = book.worksheets[0]
    assert about.title == "Om filen"
    rows = {row[0]: row[1] for row in about.iter_rows(values_only=True)}
    assert rows["Omfang"] == "Vestland · Barnevern · 2026"
    assert (rows["Fylke"], rows["Sektor"], rows["Fra måned"], rows["Til måned"]) == (
        "Vestland", "Barnevern", "01.2026", "12.2026")  # months in the page's one date order
    assert "Etter måned" in book.sheetnames  # the tables follow, named after their captions (issue 21)
    plain = ministry.get("/reports/export/by_month.csv")
    assert plain.headers["content-disposition"] == 'attachment; filename="relay-reach-by_month.csv"'


def test_the_alert_page_names_its_sectors_and_its_title(client_for, engine, receipts):
    title = "Samvær etter omsorgsovertaking: " + "kommunen må vurdere samværet på nytt " * 6
    with transaction(engine) as s:
        alert = s.get(Alert, receipts.alert_a)
        alert.title_nb = alert.title_nn = title
    page = client_for("ministry").get(f"/reports/alerts/{receipts.alert_a}").text
    assert "Sektorer: Barnevern." in page and "Sektorer: child-welfare" not in page
    tab = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert tab.startswith("Samvær etter omsorgsovertaking: kommunen") and "…" in tab and len(tab) < 100
    assert not re.match(r"\s*Varsel \d", tab)
    english = client_for("ministry").get(f"/reports/alerts/{receipts.alert_a}?lang=en").text
    assert "Child welfare" in english


@pytest.mark.parametrize("lang, label", [("nb", "tabellen «Etter måned»"), ("nn", "tabellen «Etter månad»"),
                                          ("en", "the table “By month”")])
def test_download_links_are_named_for_people(client_for, receipts, lang, label):
    page = client_for("ministry").get(f"/reports?lang={lang}").text
    hidden = re.findall(r'download>(CSV|XLSX)<span class="visually-hidden"> – (.*?)</span>', page)
    assert ("CSV", label) in hidden and ("XLSX", label) in hidden
    assert not [name for _, name in hidden if re.fullmatch(r"[a-z_]+", name)]  # never a raw key like by_month
