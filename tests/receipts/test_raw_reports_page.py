"""/admin/raw-reports: admins see each report with its parsed facts while it is kept, as text, never as HTML."""

from __future__ import annotations

from datetime import timedelta

from relay.db import transaction
from relay.mail.envelope import bounce_address
from relay.models import RawReport, utcnow
from relay.receipts.receiver import handle_report
from tests.receipts.test_dsn import fixture

HOSTILE = (b"From: x@evil.test\r\nTo: bounces@relay.test\r\nSubject: hi\r\nContent-Type: text/html\r\n\r\n"
           b"<script>alert('x')</script><img src=x onerror=alert(1)>\r\n")


def _report(engine, settings, sent, report_bytes: bytes, **fields) -> int:
    result = handle_report(engine=engine, settings=settings, raw=report_bytes, channel="smtp",
                           envelope_to=[bounce_address(settings, sent.message_key)])
    with transaction(engine) as session:
        report = session.query(RawReport).order_by(RawReport.id.desc()).first()
        for name, value in fields.items():
            setattr(report, name, value)
        assert result is not None
        return report.id


def test_only_admins_see_the_reports(client_as, client, engine, settings, sent):
    report_id = _report(engine, settings, sent, fixture("postfix_user_unknown.eml"))
    for path in ("/admin/raw-reports", f"/admin/raw-reports/{report_id}"):
        assert client_as(sent.admin_id).get(path).status_code == 200
        assert client_as(sent.governor_id).get(path).status_code == 403
        assert client.get(path).status_code in (302, 303)


def test_the_list_shows_received_channel_kind_message_facts_and_error(client_as, engine, settings, sent):
    _report(engine, settings, sent, fixture("postfix_user_unknown.eml"))
    _report(engine, settings, sent, HOSTILE.replace(b"bounces@", b"nobody@"))
    page = client_as(sent.admin_id).get("/admin/raw-reports").text
    assert "smtp" in page and "<code>dsn</code>" in page and "<code>other</code>" in page
    assert sent.message_key in page and "kari.nordmann@voss.kommune.no" in page
    assert "5.1.1" in page and "mx.relay.test" in page
    assert "<script>alert" not in page
    unmatched = client_as(sent.admin_id).get("/admin/raw-reports?unmatched=1").text
    assert "5.1.1" not in unmatched


def test_a_report_is_shown_as_escaped_text(client_as, engine, settings, sent):
    report_id = _report(engine, settings, sent, HOSTILE)
    page = client_as(sent.admin_id).get(f"/admin/raw-reports/{report_id}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_reports_past_the_keeping_period_or_purged_are_gone(client_as, engine, settings, sent):
    days = settings.receipts.raw_report_days
    old = _report(engine, settings, sent, fixture("postfix_user_unknown.eml"),
                  received_at=utcnow() - timedelta(days=days + 1))
    purged = _report(engine, settings, sent, fixture("exim_mailbox_full.eml"), purged=True, raw=None)
    admin = client_as(sent.admin_id)
    for report_id in (old, purged, 999999, "abc", "1" * 40):
        assert admin.get(f"/admin/raw-reports/{report_id}").status_code == 404
    listing = admin.get("/admin/raw-reports").text
    assert f"/admin/raw-reports/{old}\"" not in listing and f"/admin/raw-reports/{purged}\"" not in listing
