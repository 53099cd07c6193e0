"""The ladder of evidence on real paths: planning, rendering, delivery to a Maildir or over SMTP
(aiosmtpd), DSNs through the inbound handler, incidents, the CLI and the pages (issue 18)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from relay.cli.report import report
from relay.db import transaction
from relay.delivery.worker import send_all
from relay.models import Alert, Contact, Incident, Message, ReportReach, utcnow
from relay.ops.incidents import check_incidents
from relay.pipeline import plan_and_render
from relay.receipts.acks import acknowledge
from relay.receipts.dsn import RecipientResult, Report
from relay.receipts.inbound import mailbox_level
from relay.receipts.receiver import handle_report
from relay.reports import reach, refresh
from relay.reports.drilldown import alert_report
from relay.reports.national import national_report
from relay.reports.refresh import ensure_fresh
from relay.reports.schemas import Filters
from relay.settings import load_settings
from tests.factories import make_alert, make_contact, make_municipality, make_office, make_user
from tests.receipts.test_dsn import FIXTURES
from tests.smtpsink import SmtpSink


def _dsn(message: Message, status: str, *, remote: str = "mx1.kommune.test") -> bytes:
    """A Postfix DSN for this message in the real format, with the status and reporting host asked for."""
    text = (FIXTURES / "postfix_user_unknown.eml").read_text(encoding="utf-8")
    text = text.replace("{RECIPIENT}", message.to_address).replace("{MESSAGE_ID}", message.message_id_header)
    text = text.replace("{BOUNCE_ADDRESS}", message.envelope_from).replace("5.1.1", status)
    text = text.replace("Remote-MTA: dns; mx1.kommune.test", f"Remote-MTA: dns; {remote}")
    return text.replace("\n", "\r\n").encode()


def _smtp_settings(settings, port: int):
    return load_settings(data_dir=settings.data_dir, database_url=settings.database_url, base_url="https://relay.test",
                         secret_key="test-signing-key-not-secret", scheduler=False,
                         smtp={"host": "127.0.0.1", "port": port}, mail={"from_address": "relay@relay.test"})


def _pairs(engine, alert_id: int) -> dict[str, tuple[str, str | None]]:
    ensure_fresh(engine)
    with transaction(engine) as session:
        found = alert_report(session=session, alert_id=alert_id)
    return {p.code: (p.rung, p.reason or p.acceptance) for p in found.municipalities}


def test_a_maildir_only_installation_reports_every_pair_as_written_locally_not_sent(engine, settings, monkeypatch):
    with transaction(engine) as session:
        office = make_office(session)
        munis = [make_municipality(session, office=office) for _ in range(3)]
        contacts = [make_contact(session, municipality=m, frequency="immediate") for m in munis]
        alert = make_alert(session, office=office, municipalities=munis, approved_at=utcnow() - timedelta(days=10))
        alert_id = alert.id
    plan_and_render(engine=engine, settings=settings)
    assert send_all(engine=engine, settings=settings).sent == 3
    # Someone read a file in the Maildir and pressed "Mottatt": still, nothing left the machine.
    with transaction(engine) as session:
        acknowledge(session=session, alert_id=alert_id, contact_id=contacts[0].id)
        assert {m.remote_host for m in session.scalars(select(Message))} == {"maildir"}
    monkeypatch.setattr("relay.cli.report.get_engine", lambda: engine)
    result = CliRunner().invoke(report, ["national", "--format", "json", "--lang", "en"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    totals = data["totals"]
    assert (totals["targeted"], totals["local"], totals["local_share"]) == (3, 3, 100.0)
    assert totals["handed_over"] == totals["confirmed"] == totals["reached"] == 0
    ladder = {r["rung"]: r for r in data["ladder"]}
    assert ladder["local"]["label"] == "Written locally, not sent" and ladder["local"]["pairs"] == 3
    assert sum(r["pairs"] for r in data["ladder"]) == 3
    assert set(_pairs(engine, alert_id).values()) == {("local", None)}


@pytest.fixture
def dead_postmottak(engine, settings):
    """An office whose municipality has only a postmottak, two alerts for it, and a third municipality
    (same office) that is well covered. Everything is sent over SMTP to a local server."""
    with transaction(engine) as session:
        office = make_office(session)
        make_user(session, role="admin", email="admin@relay.test")
        lonely = make_municipality(session, office=office, code="4699", name="Einsam",
                                   fallback_email="postmottak@einsam.test")
        fallback = make_contact(session, municipality=lonely, email="postmottak@einsam.test", kind="fallback",
                                sectors=())
        covered = make_municipality(session, office=office, code="4698", name="Dekt")
        make_contact(session, municipality=covered, frequency="weekly")
        week_ago = utcnow() - timedelta(days=8)
        alerts = [make_alert(session, office=office, municipalities=[lonely, covered], approved_at=week_ago + timedelta(hours=h))
                  for h in (0, 1)]
        ids = {"office": office.id, "fallback": fallback.id, "alerts": [a.id for a in alerts], "muni": lonely.id}
    with SmtpSink() as sink:
        smtp = _smtp_settings(settings, sink.port)
        plan_and_render(engine=engine, settings=smtp)
        assert send_all(engine=engine, settings=smtp).sent == 2
    return ids, smtp


def test_a_municipality_whose_only_address_bounced_is_not_reached_and_has_no_working_address(engine, dead_postmottak):
    ids, smtp = dead_postmottak
    for alert_id in ids["alerts"]:  # accepted by our relay a moment ago: in progress, not yet handed over
        assert _pairs(engine, alert_id)["4699"] == ("in-progress", "smarthost")
    with transaction(engine) as session:
        message = session.scalars(select(Message).where(Message.contact_id == ids["fallback"])).one()
    result = handle_report(engine=engine, settings=smtp, raw=_dsn(message, "5.2.1", remote="mx.einsam.test"),
                           channel="smtp")
    assert result.events == ["bounced"]
    with transaction(engine) as session:  # one mailbox-level failure is enough: "mailbox disabled"
        assert session.get(Contact, ids["fallback"]).status == "bouncing"
    for alert_id in ids["alerts"]:
        assert _pairs(engine, alert_id)["4699"] == ("failed", None)
    with transaction(engine) as session:
        national = national_report(session=session, filters=Filters(office_id=ids["office"]), language="nb")
    assert national.totals.failed == 2 and national.totals.not_reached == 2
    gap = next(g for g in national.gaps if g.code == "4699")
    assert (gap.severity, gap.has_fallback, gap.fallback_failing) == ("no-address", False, True)
    # One incident for the office, however often the checker runs.
    check_incidents(engine=engine, settings=smtp)
    check_incidents(engine=engine, settings=smtp)
    with transaction(engine) as session:
        [incident] = session.scalars(select(Incident).where(Incident.kind == "address")).all()
        assert incident.closed_at is None and "4699 Einsam" in incident.detail
        mails = session.scalars(select(Message).where(Message.purpose_key.startswith(f"ops-alert:{incident.id}:"))).all()
        assert [m.to_address for m in mails] == ["admin@relay.test"]
    # A new alert now reaches nobody there, and says why.
    with transaction(engine) as session:
        office = session.get(Alert, ids["alerts"][0]).office
        new = make_alert(session, office=office, municipalities=[session.get(Contact, ids["fallback"]).municipality],
                         approved_at=utcnow() - timedelta(days=8))
        new_id = new.id
    plan_and_render(engine=engine, settings=smtp, now=utcnow() + timedelta(days=7))
    assert _pairs(engine, new_id) == {"4699": ("not-sent", "gap")}


def test_the_contacts_page_and_the_gap_table_say_no_working_address(engine, dead_postmottak, client_for):
    ids, smtp = dead_postmottak
    with transaction(engine) as session:
        session.execute(update(Contact).where(Contact.id == ids["fallback"]).values(status="bouncing"))
    html = client_for("admin").get("/contacts").text
    assert 'data-no-address="4699"' in html and "Ingen fungerende adresse" in html
    page = client_for("ministry").get("/reports").text
    assert "postmottak avviser e-post" in page and "ingen fungerende adresse" in page
    municipality = client_for("ministry").get("/reports/municipalities/4699").text
    assert 'id="no-working-address"' in municipality


def test_a_late_bounce_moves_a_handed_over_pair_down(engine, settings, monkeypatch):
    with transaction(engine) as session:
        office = make_office(session)
        muni = make_municipality(session, office=office, code="4697")
        make_contact(session, municipality=muni, frequency="immediate", email="kari@k4697.test")
        alert_id = make_alert(session, office=office, municipalities=[muni]).id
    with SmtpSink() as sink:
        smtp = _smtp_settings(settings, sink.port)
        plan_and_render(engine=engine, settings=smtp)
        assert send_all(engine=engine, settings=smtp).sent == 1
    assert _pairs(engine, alert_id) == {"4697": ("in-progress", "smarthost")}
    with transaction(engine) as session:
        assert session.scalars(select(ReportReach.settles_at)).one() is not None
    # Four days later, with no event at all, the quiet period has passed: handed over.
    later = utcnow() + timedelta(days=4)
    monkeypatch.setattr(reach, "utcnow", lambda: later)
    monkeypatch.setattr(refresh, "utcnow", lambda: later)
    assert _pairs(engine, alert_id) == {"4697": ("handed-over", "smarthost")}
    # Then the failure report arrives after all: the pair is re-read from its messages and fails.
    with transaction(engine) as session:
        message = session.scalars(select(Message).where(Message.kind != "ops-alert")).one()
    handle_report(engine=engine, settings=smtp, raw=_dsn(message, "5.1.1"), channel="smtp")
    assert _pairs(engine, alert_id) == {"4697": ("failed", None)}


@pytest.mark.parametrize(("status", "remote", "at_once"), [
    ("5.1.1", "mx.other.test", True),     # no such user, whoever says it
    ("5.2.1", "mx.kommune.test", True),   # mailbox disabled
    ("5.7.1", "mx1.kommune.test", True),  # the recipient's own server refuses us
    ("5.7.1", "relay.example.net", False),  # our relay's policy: not the address's fault
    ("5.2.2", "mx.kommune.test", False),  # mailbox full: counts towards the threshold only
])
def test_only_a_mailbox_level_status_fails_the_address_at_once(status, remote, at_once):
    recipient = RecipientResult(recipient="kari@kommune.test", action="failed", status=status, remote_mta=remote)
    assert mailbox_level(recipient, Report(kind="dsn", reporting_mta="mx.relay.test")) is at_once


def test_the_demo_reports_say_its_mail_was_written_locally_not_sent(register, settings):
    """`relay run --demo` writes its mail to the Maildir: its report must not call any of it delivered,
    even the pair someone acknowledged."""
    from relay.demo import load_demo

    load_demo(settings=settings, engine=register)
    ensure_fresh(register)
    with transaction(register) as session:
        national = national_report(session=session, filters=Filters(), language="nb")
    totals = national.totals
    assert totals.targeted > 0 and totals.acknowledged == 1
    # The two municipalities with contacts: written locally; the rest of Vestland has nobody at all.
    assert totals.local == totals.sent == 2 and totals.handed_over == totals.confirmed == totals.reached == 0
    assert totals.not_sent_gap == totals.targeted - 2
    assert next(r for r in national.ladder if r.rung == "local").label == "Skrevet lokalt, ikke sendt"


def test_a_withdrawn_alerts_pairs_say_so_and_count_nowhere(engine, settings):
    with transaction(engine) as session:
        office = make_office(session)
        munis = [make_municipality(session, office=office, code=c) for c in ("4690", "4691")]
        make_contact(session, municipality=munis[0], frequency="weekly")
        alert = make_alert(session, office=office, municipalities=munis, status="withdrawn")
        alert_id = alert.id
    assert _pairs(engine, alert_id) == {"4690": ("not-sent", "withdrawn"), "4691": ("not-sent", "withdrawn")}
    with transaction(engine) as session:
        assert national_report(session=session, filters=Filters()).totals.targeted == 0
        session.get(Alert, alert_id).status = "active"  # withdrawn by mistake: counted again
    assert _pairs(engine, alert_id) == {"4690": ("not-sent", "not-yet-due"), "4691": ("not-sent", "gap")}
    with transaction(engine) as session:
        totals = national_report(session=session, filters=Filters()).totals
    assert (totals.targeted, totals.not_sent_due, totals.not_sent_gap) == (2, 1, 1)
