"""The report pages in every language, their filters checked, kept in exports, and read-only for the ministry."""

from __future__ import annotations

import csv
import io
import re
import secrets

import pytest

from relay.db import transaction
from relay.models import ApiToken
from relay.web.api import token_hash
from tests.reports.test_web import _rows

TOO_BIG = "9223372036854775808"  # 2**63: past every integer column


def _pages(receipts, year: str) -> list[str]:
    return ["/reports", f"/reports?office={receipts.office_a}", f"/reports/alerts/{receipts.alert_a}",
            "/reports/municipalities/4621", f"/reports/annual/{year}"]


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_every_report_page_is_complete_in_each_language(client_for, receipts, lang):
    ministry = client_for("ministry")
    year = ministry.get(f"/api/v1/reports/alerts/{receipts.alert_a}").json()["alert"]["approved_at"][:4]
    for path in _pages(receipts, year):
        page = ministry.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
        assert page.status_code == 200, path
        text = page.text.replace("/static/charts/reports.css", "")
        leaked = re.findall(r"reports\.[a-z_-]+(?:\.[a-z_-]+)*", text)
        assert leaked == [], (path, lang, leaked)
    definitions = ministry.get(f"/reports?lang={lang}").text
    heading = {"nb": "Levert uten feil", "nn": "Levert utan feil", "en": "Delivered without error"}[lang]
    assert f"<dt>{heading}</dt>" in definitions  # the rung's definition is on the page, in the page's language
    assert "evidence." not in definitions.replace("evidence-headline", "")  # no untranslated key


def test_the_gaps_name_the_missing_sectors_in_the_pages_language(client_for, receipts):
    ministry = client_for("ministry")
    nn = ministry.get("/reports/export/gaps.csv?lang=nn").text.lstrip("\ufeff")
    voss_nn = next(line for line in csv.reader(io.StringIO(nn), delimiter=";") if line[0] == "4621")
    assert "Barnehage og skule" in voss_nn[3] and "education" not in voss_nn[3]
    page = {r[0]: r for r in _rows(ministry.get("/reports?lang=nn").text, "gaps")}
    missing = next(g for g in ministry.get("/api/v1/reports/national").json()["gaps"] if g["code"] == "4621")["missing"]
    assert page["4621"][-1] == str(len(missing))  # the page counts them; the download names them
    en = ministry.get("/reports/export/gaps.csv?lang=en").text.lstrip("\ufeff")
    voss = next(line for line in csv.reader(io.StringIO(en), delimiter=";") if line[0] == "4621")
    assert "Kindergartens and schools" in voss[3] and "health-care" not in voss[3]
    api = ministry.get("/api/v1/reports/national").json()
    gap = next(g for g in api["gaps"] if g["code"] == "4621")
    assert "education" in gap["missing"] and "Barnehage og skole" in gap["missing_names"]  # ids for tools, names for people


def test_the_filters_are_kept_in_every_export(client_for, receipts):
    ministry = client_for("ministry")
    query = f"office={receipts.office_b}&lang=en"
    html = ministry.get(f"/reports?{query}").text
    assert f'href="/reports/export/municipalities.csv?office={receipts.office_b}&amp;lang=en"' in html
    for key in ("municipalities", "by_county", "alerts"):
        page_rows = _rows(html, key)
        lines = list(csv.reader(io.StringIO(ministry.get(f"/reports/export/{key}.csv?{query}").text.lstrip("\ufeff")),
                                delimiter=";"))
        assert [line[0] for line in lines[1:]] == [r[0] for r in page_rows], key
    assert [r[0] for r in _rows(html, "municipalities")] == ["4204"]  # Agder's only, not the country


@pytest.mark.parametrize("query, field", [
    (f"office={TOO_BIG}", "office"), ("county=-3", "county"), ("start=2025-13", "start"), ("end=mars", "end"),
    ("start=2025-06&end=2025-01", "end"), ("year=99999", "year"), ("sector=nonsense", "sector"),
])
def test_a_bad_filter_is_refused_clearly_everywhere(client_for, receipts, query, field):
    ministry = client_for("ministry")
    page = ministry.get(f"/reports?{query}&lang=en")
    assert page.status_code == 400
    assert 'id="error-summary"' in page.text and "The filter could not be used" in page.text
    assert f'href="#f-{"start" if field == "year" else field}"' in page.text
    assert 'data-table="by_office"' not in page.text  # no figures for a filter that was not understood
    if field in ("start", "end"):
        value = dict(pair.split("=") for pair in query.split("&"))[field]
        assert f'value="{value}"' in page.text  # the form comes back as it was sent
    assert 'value="None"' not in page.text
    export = ministry.get(f"/reports/export/by_office.csv?{query}&lang=en")
    assert export.status_code == 400 and "The filter could not be used" in export.text
    api = ministry.get(f"/api/v1/reports/national?{query}")
    assert api.status_code in (400, 422), api.text
    assert field in api.text


def test_ids_past_the_database_range_are_not_found_not_a_crash(client_for, receipts):
    ministry = client_for("ministry")
    assert ministry.get(f"/reports/alerts/{TOO_BIG}").status_code == 404
    assert ministry.get(f"/reports/alerts/{TOO_BIG}/export/contacts.csv").status_code == 404
    assert ministry.get(f"/api/v1/reports/alerts/{TOO_BIG}").status_code == 422
    assert ministry.get(f"/api/v1/reports/national?office={TOO_BIG}").status_code == 422


def test_the_ministry_only_reads(app):
    """Every route the ministry may call is a GET (or HEAD): it can look at everything and change nothing."""
    from relay.web.access import current_policy

    policy = current_policy()
    writable = [(route.path, sorted(route.methods)) for route in app.routes
                if "ministry" in policy.get(getattr(route, "name", ""), frozenset())
                and set(getattr(route, "methods", None) or ()) - {"GET", "HEAD"}]
    assert writable == []


def test_the_ministrys_own_tools_read_the_api_with_a_token(client_for, engine, receipts, app):
    from starlette.testclient import TestClient

    token = secrets.token_urlsafe(24)
    with transaction(engine) as s:
        s.add(ApiToken(user_id=receipts.users["ministry"], name="evaluation", token_hash=token_hash(token)))
    with TestClient(app) as tool:
        data = tool.get("/api/v1/reports/national", headers={"authorization": f"Bearer {token}"}).json()
        assert data["totals"]["targeted"] == 3 and data["scope"] == "national"
        schema = tool.get("/api/openapi.json").json()
    params = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/reports/national"]["get"]["parameters"]}
    office = next(s for s in params["office"]["anyOf"] if s.get("type") == "integer")
    assert office["maximum"] == 2**31 - 1 and "pattern" in next(s for s in params["start"]["anyOf"] if "type" in s)
