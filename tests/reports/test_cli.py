"""`relay report …` prints the same figures as the pages, in every format."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from relay.cli.report import report
from tests.web.conftest import VESTLAND


@pytest.fixture
def run(engine, monkeypatch, receipts):
    monkeypatch.setattr("relay.cli.report.get_engine", lambda: engine)
    runner = CliRunner()

    def invoke(*args):
        result = runner.invoke(report, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    return invoke


def test_it_prints_the_national_figures_as_a_table_and_as_json(run):
    text = run("national")
    assert "Etter statsforvalter" in text and "Statsforvalteren i Vestland" in text
    data = json.loads(run("national", "--format", "json"))
    assert data["totals"]["targeted"] == 3 and data["totals"]["bot_clicks"] == 2


def test_it_limits_office_to_its_region(run):
    data = json.loads(run("office", VESTLAND, "--format", "json"))
    assert data["totals"]["targeted"] == 2 and {m["code"] for m in data["municipalities"]} == {"4601", "4621"}


def test_it_drills_down_to_an_alert_and_a_municipality(run, receipts):
    alert = json.loads(run("alert", str(receipts.alert_a), "--format", "json"))
    assert [m["code"] for m in alert["municipalities"]] == ["4601", "4621"]
    csv_text = run("municipality", "4621", "--format", "csv", "--lang", "en")
    assert "Alerts to the municipality" not in csv_text and "Acknowledged" in csv_text


def test_it_writes_xlsx_and_the_annual_pdf(run, receipts, tmp_path):
    run("national", "--format", "xlsx", "--output", str(tmp_path / "n.xlsx"))
    sheets = load_workbook(tmp_path / "n.xlsx").sheetnames
    assert "by_office" not in sheets and "Etter statsforvalter" in sheets
    year = json.loads(run("alert", str(receipts.alert_a), "--format", "json"))["alert"]["approved_at"][:4]
    run("annual", year, "--format", "pdf", "--output", str(tmp_path / "a.pdf"))
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    assert "Method" not in run("annual", year, "--lang", "en")  # the text format has the tables only


def test_it_refuses_a_month_that_is_not_yyyy_mm(engine, monkeypatch):
    monkeypatch.setattr("relay.cli.report.get_engine", lambda: engine)
    result = CliRunner().invoke(report, ["national", "--start", "2025-13"])
    assert result.exit_code == 2 and "YYYY-MM" in result.output
