"""Source administration, the audit log with its CSV export, and API tokens made in the browser."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

from sqlalchemy import select

from relay.db import transaction
from relay.models import ApiToken, AuditEntry, Source
from tests.web.conftest import csrf_of


def _source(engine, **fields) -> int:
    with transaction(engine) as s:
        row = Source(**{"key": "hudoc-echr", "kind": "hudoc", "name": "HUDOC ECHR", "url": "https://hudoc.test",
                        "origin": "config", **fields})
        s.add(row)
        s.flush()
        return row.id


def test_the_health_page_shows_errors_and_flags_repeated_failures(client_for, world, engine):
    _source(engine, error_count=4, last_error="HTTP 503 from hudoc.echr.coe.int", items_last_run=0)
    _source(engine, key="nim", kind="rss", name="NIM", origin="admin", items_last_run=7)
    page = client_for("ministry").get("/admin/sources")
    assert page.status_code == 200
    assert "HTTP 503 from hudoc.echr.coe.int" in page.text
    assert '<tr class="failing" data-source="hudoc-echr">' in page.text
    assert 'action="/admin/sources"' not in page.text  # the ministry reads only


def test_source_times_are_shown_on_the_offices_clock(client_for, world, engine):
    # 23:30 UTC on 31 December is already New Year's Day in Oslo (UTC+1 in winter).
    _source(engine, last_success_at=datetime(2026, 12, 31, 23, 30, tzinfo=UTC), last_error="HTTP 503",
            last_error_at=datetime(2026, 7, 1, 10, 0, tzinfo=UTC))
    page = client_for("ministry").get("/admin/sources")
    assert '<time datetime="2026-12-31T23:30:00+00:00">01.01.2027 kl. 00:30</time>' in page.text
    assert '<time datetime="2026-07-01T10:00:00+00:00">01.07.2026 kl. 12:00</time>' in page.text  # summer time
    assert " UTC" not in page.text


def test_an_admin_adds_an_rss_source_and_it_is_audited(client_for, world, engine):
    admin = client_for("admin")
    done = admin.post("/admin/sources", data={"csrf_token": csrf_of(admin), "key": "nim-news", "name": "NIM",
                                              "url": "https://www.nhri.no/feed/", "interval_minutes": "30"},
                      follow_redirects=False)
    assert done.status_code == 303
    with transaction(engine) as s:
        source = s.scalars(select(Source)).one()
        assert (source.kind, source.origin, source.interval_minutes) == ("rss", "admin", 30)
        assert s.scalars(select(AuditEntry.action)).all() == ["source.add"]


def test_a_bad_source_keeps_what_was_typed(client_for, world):
    admin = client_for("admin")
    page = admin.post("/admin/sources", data={"csrf_token": csrf_of(admin), "key": "Bad Key", "name": "Feed",
                                              "url": "ftp://example.org/x", "interval_minutes": "2"})
    assert page.status_code == 400 and 'role="alert"' in page.text
    assert 'value="ftp://example.org/x" aria-invalid="true"' in page.text
    assert 'value="Bad Key" aria-invalid="true"' in page.text and 'value="Feed"' in page.text


def test_a_configured_source_can_be_paused_but_not_edited(client_for, world, engine):
    source_id = _source(engine)
    admin = client_for("admin")
    csrf = csrf_of(admin)
    assert admin.post(f"/admin/sources/{source_id}/pause", data={"csrf_token": csrf, "paused": "1"},
                      follow_redirects=False).status_code == 303
    assert admin.get(f"/admin/sources/{source_id}").status_code == 409
    assert admin.post(f"/admin/sources/{source_id}", data={"csrf_token": csrf, "name": "X", "url": "https://x.test",
                                                           "interval_minutes": "10"}).status_code == 409
    admin.post(f"/admin/sources/{source_id}/pause", data={"csrf_token": csrf, "paused": "0"})
    with transaction(engine) as s:
        assert s.get(Source, source_id).paused is False
        assert s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all() == ["source.pause", "source.resume"]


def test_an_admin_source_is_edited(client_for, world, engine):
    source_id = _source(engine, key="nim", kind="rss", origin="admin", etag='"abc"')
    admin = client_for("admin")
    assert admin.get(f"/admin/sources/{source_id}").status_code == 200
    done = admin.post(f"/admin/sources/{source_id}", data={"csrf_token": csrf_of(admin), "name": "NIM nyheter",
                                                           "url": "https://www.nhri.no/rss", "interval_minutes": "15"},
                      follow_redirects=False)
    assert done.status_code == 303
    with transaction(engine) as s:
        source = s.get(Source, source_id)
        assert (source.name, source.url, source.etag) == ("NIM nyheter", "https://www.nhri.no/rss", None)


def test_the_audit_log_filters_and_exports_csv(client_for, world, engine):
    gov = client_for("governor_a")
    gov.post(f"/queue/{world.item}/reject", data={"csrf_token": csrf_of(gov), "note": "=cmd|' /C calc'!A0"})
    ministry = client_for("ministry")
    page = ministry.get(f"/admin/audit?action=item.reject&office={world.office_a}")
    assert page.status_code == 200 and "item.reject" in page.text
    assert "<code>item.reject</code>" in page.text
    assert "<code>item.reject</code>" not in ministry.get(f"/admin/audit?office={world.office_b}").text
    export = ministry.get("/admin/audit.csv?action=item.reject")
    assert export.headers["content-type"].startswith("text/csv")
    # like the report downloads: byte-order mark, semicolons, Norwegian headers and dates (issue 21)
    assert export.text.startswith("\ufeffTid;Utført av;Handling;Gjelder;Id;Embete;Før;Etter\r\n")
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff")), delimiter=";"))
    assert [r["Handling"] for r in rows] == ["item.reject"] and rows[0]["Id"] == str(world.item)
    assert rows[0]["Embete"] == "Statsforvalteren i Vestland"
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d", rows[0]["Tid"])
    assert rows[0]["Etter"].startswith('{"note"')  # JSON, and a formula never leads a cell
    assert ministry.get("/admin/audit.csv?since=01.01.2999").text.count("\n") == 1
    assert ministry.get("/admin/audit.csv?since=2999-01-01").text.count("\n") == 1


def test_an_admin_makes_a_token_that_is_shown_once_and_works(app, client_for, world, engine):
    from starlette.testclient import TestClient

    admin = client_for("admin")
    with transaction(engine) as s:
        from relay.models import User

        ministry_email = s.get(User, world.users["ministry"]).email
    page = admin.post("/admin/tokens", data={"csrf_token": csrf_of(admin), "name": "reports", "email": ministry_email})
    assert page.status_code == 200
    token = page.text.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert token.startswith("rly_") and token not in admin.get("/admin/tokens").text
    machine = TestClient(app, base_url="https://relay.test", headers={"Authorization": f"Bearer {token}"})
    assert machine.get("/api/v1/alerts").status_code == 200
    with transaction(engine) as s:
        row = s.scalars(select(ApiToken)).one()
        assert row.token_hash != token and row.last_used_at is not None
    admin.post(f"/admin/tokens/{row.id}/revoke", data={"csrf_token": csrf_of(admin)})
    assert machine.get("/api/v1/alerts").status_code == 401
    bad = admin.post("/admin/tokens", data={"csrf_token": csrf_of(admin), "name": "", "email": "nobody@x.test"})
    assert bad.status_code == 400 and 'value="nobody@x.test"' in bad.text
