"""`relay report … --lang sv`: the Swedish profile's reports in Swedish (issue 19)."""

from __future__ import annotations

import json

from tests.reports.test_cli import run  # noqa: F401 - the fixture


def test_the_reports_speak_swedish(run):  # noqa: F811
    text = run("national", "--lang", "sv")
    assert "Nyckeltal" in text and "Efter länsstyrelse" in text and "Andel bekräftat mottagna" in text
    assert "Etter statsforvalter" not in text and "Andel bekreftet" not in text
    assert "33,3 %" in text  # Swedish decimals (1 of 3 pairs confirmed)
    assert json.loads(run("national", "--lang", "sv", "--format", "json"))["totals"]["targeted"] == 3
