"""One date format per language in the reports: dd.mm.åååå (with " kl. HH:MM") in Norwegian,
ISO 8601 (2026-12-08 01:40) in Swedish, on the pages, in the CLI's tables and in the filter form."""

from __future__ import annotations

import re

from tests.reports.test_cli import run  # noqa: F401 - the CLI runner fixture

NORWEGIAN_MOMENT = re.compile(r"\b\d{2}\.\d{2}\.\d{4} kl\. \d{2}:\d{2}\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
SWEDISH_MOMENT = re.compile(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}\b")


def test_cli_tables_write_times_in_each_languages_own_format(run, receipts):  # noqa: F811
    norwegian = run("alert", str(receipts.alert_a), "--lang", "nn")
    assert NORWEGIAN_MOMENT.search(norwegian) and not ISO_DATE.search(norwegian)
    swedish = run("alert", str(receipts.alert_a), "--lang", "sv")
    assert SWEDISH_MOMENT.search(swedish) and "kl." not in swedish


def test_the_annual_report_says_when_it_was_made_in_the_readers_format(client_for, receipts):
    ministry = client_for("ministry")
    year = ministry.get(f"/api/v1/reports/alerts/{receipts.alert_a}").json()["alert"]["approved_at"][:4]
    lead = re.search(r'<p class="lead">(.*?)</p>', ministry.get(f"/reports/annual/{year}").text, re.S).group(1)
    assert NORWEGIAN_MOMENT.search(lead) and not ISO_DATE.search(lead)


def test_the_filter_form_takes_norwegian_dates_and_months_and_shows_them_back(client_for, receipts):
    ministry = client_for("ministry")
    page = ministry.get("/reports", params={"start": "15.01.2026", "end": "03.2026"})
    assert page.status_code == 200
    assert 'type="month"' not in page.text and "dd.mm.åååå" in page.text
    assert 'name="start" type="text"' in page.text and 'value="01.2026"' in page.text and 'value="03.2026"' in page.text
    assert "01.2026–03.2026" in page.text  # the scope heading, in the same order
    # Old links (2026-01) still work and are shown in the page's order.
    assert 'value="01.2026"' in ministry.get("/reports?start=2026-01").text


def test_a_bad_date_keeps_what_was_typed_and_says_how_to_write_it(client_for, receipts):
    page = client_for("ministry").get("/reports", params={"start": "31.13.2026", "end": "04.2026"})
    assert page.status_code == 400
    assert 'value="31.13.2026" aria-describedby="f-start-hint error-summary" aria-invalid="true"' in page.text
    assert "Skriv måneden som mm.åååå" in page.text and 'value="04.2026"' in page.text


def test_months_in_tables_and_downloads_follow_the_language(client_for, receipts, run):  # noqa: F811
    ministry = client_for("ministry")
    year = ministry.get(f"/api/v1/reports/alerts/{receipts.alert_a}").json()["alert"]["approved_at"][:4]
    month_row = re.compile(r'data-table="by_month".*?<th scope="row">(\d{2}\.' + year + r")</th>", re.S)
    assert month_row.search(ministry.get("/reports").text)
    csv_rows = ministry.get("/reports/export/by_month.csv").text.lstrip("\ufeff").splitlines()[1:]
    assert csv_rows and all(re.match(r"\d{2}\.\d{4};", row) for row in csv_rows)
    assert re.search(r"^" + year + r"-\d{2}\s", run("national", "--lang", "sv"), re.M)
