"""Retention (aggregate old events, purge raw DSNs, erase unsubscribed contacts) and GDPR export/erase.

Erasure and aggregation must leave the reach figures of relay.reports.reach as they were.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from relay.db import transaction
from relay.models import (
    Acknowledgement,
    Assignment,
    AuditEntry,
    Contact,
    Message,
    RawReport,
    ReceiptEvent,
    User,
)
from relay.models.ops import ReceiptEventMonth
from relay.ops.privacy import erase_address, export_contact
from relay.ops.retention import months_before, run_retention
from tests import factories

NOW = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
EMAIL = "kari.nordmann@voss.kommune.no"


def _delivered_alert(session, *, email=EMAIL, at=NOW - timedelta(days=3)):
    """An alert sent to one contact, accepted, bounced once, clicked, acknowledged; one raw DSN."""
    muni = factories.make_municipality(session, name="Voss", malform="nynorsk")
    contact = factories.make_contact(session, municipality=muni, email=email)
    alert = factories.make_alert(session, municipalities=[muni], approved_at=at)
    message = Message(purpose_key=f"alert:{alert.id}:{contact.id}", kind="alert", contact_id=contact.id,
                      to_address=email, envelope_from="b@relay.test", subject="Nytt varsel",
                      message_id_header=f"<{alert.id}@relay.test>", mime=f"To: {email}\r\n\r\nHei".encode(),
                      status="sent", created_at=at, sent_at=at, next_attempt_at=at, last_reply=f"250 ok <{email}>")
    session.add(message)
    session.flush()
    session.add(Assignment(alert_id=alert.id, contact_id=contact.id, municipality_id=muni.id, via="immediate",
                           message_id=message.id, assigned_at=at))
    raw = RawReport(received_at=at, channel="smtp", kind="dsn", fingerprint=f"f{message.id}",
                    raw=f"Final-Recipient: rfc822;{email}".encode(), message_id=message.id,
                    parsed={"recipient": email, "status": "5.1.1"})
    session.add(raw)
    session.flush()
    session.add_all([
        ReceiptEvent(dedupe_key=f"acc:{message.id}", kind="accepted", occurred_at=at, message_id=message.id,
                     contact_id=contact.id, municipality_id=muni.id),
        ReceiptEvent(dedupe_key=f"bnc:{message.id}", kind="bounced", occurred_at=at, message_id=message.id,
                     contact_id=contact.id, municipality_id=muni.id, raw_report_id=raw.id,
                     evidence={"recipient": email, "status": "5.1.1"}),
        ReceiptEvent(dedupe_key=f"clk:{message.id}", kind="clicked", occurred_at=at, alert_id=alert.id,
                     contact_id=contact.id, municipality_id=muni.id),
        Acknowledgement(alert_id=alert.id, contact_id=contact.id, municipality_id=muni.id, acknowledged_at=at,
                        follow_up="noted"),
    ])
    session.flush()
    return alert, contact


def _reach(session, alert_id):
    """The figures as the reports compute them (relay.reports.reach), whichever entry point it has."""
    from relay.reports import reach

    if hasattr(reach, "municipality_reach"):  # the first reports module
        return [repr(row) for row in reach.municipality_reach(session=session, office_id=None)]
    rows = reach.compute_ladders(session, reach.alert_facts(session, [alert_id]))
    keys = ("contacts", "sent_at", "accepted_at", "bounced_at", "bounces", "clicks", "acknowledged_at", "acks",
            "follow_up")
    return [{k: row[k] for k in keys} for row in rows]


def test_export_lists_everything_held_about_the_address(engine):
    with transaction(engine) as s:
        _delivered_alert(s)
        factories.make_user(s, role="contact", email=EMAIL)
    with transaction(engine) as s:
        data = json.loads(json.dumps(export_contact(session=s, email="Kari.Nordmann@voss.kommune.no")))
    assert [c["email"] for c in data["contacts"]] == [EMAIL] and data["contacts"][0]["municipality"] == "Voss"
    assert [sub["sector"] for sub in data["subscriptions"]] == ["child-welfare"]
    assert [m["subject"] for m in data["messages"]] == ["Nytt varsel"] and "mime" not in data["messages"][0]
    assert sorted(e["kind"] for e in data["receipt_events"]) == ["accepted", "bounced", "clicked"]
    assert [a["follow_up"] for a in data["acknowledgements"]] == ["noted"]
    assert [u["email"] for u in data["user_accounts"]] == [EMAIL]


def test_erase_removes_the_person_and_keeps_the_reach_figures(engine):
    with transaction(engine) as s:
        alert, contact = _delivered_alert(s)
        factories.make_user(s, role="contact", email=EMAIL, name="Kari")
        s.add(AuditEntry(actor="governor@sf.test", action="contact.add", entity="contact", after={"email": EMAIL}))
        before = _reach(s, alert.id)
    assert before and (isinstance(before[0], str) or (before[0]["acks"], before[0]["bounces"]) == (1, 1))
    with transaction(engine) as s:
        report = erase_address(session=s, email=EMAIL.upper(), actor="cli")
    assert (report.contacts, report.messages, report.users, report.raw_reports) == (1, 1, 1, 1)
    with transaction(engine) as s:
        assert _reach(s, alert.id) == before
        erased = s.get(Contact, contact.id)
        assert (erased.email, erased.name, erased.status) == (None, "", "erased")
        message = s.scalars(select(Message)).one()
        assert message.mime == b"" and EMAIL not in message.to_address and EMAIL not in message.last_reply
        assert s.scalars(select(RawReport)).one().raw is None
        # Nothing anywhere still holds the address.
        assert export_contact(session=s, email=EMAIL)["contacts"] == []
        texts = [json.dumps(e.evidence) for e in s.scalars(select(ReceiptEvent))]
        texts += [json.dumps(a.after) + a.actor for a in s.scalars(select(AuditEntry))]
        texts += [u.email for u in s.scalars(select(User))]
        assert not any(EMAIL in text.lower() for text in texts)
        assert s.scalar(select(func.count()).select_from(Acknowledgement)) == 1


def test_retention_aggregates_old_events_and_keeps_their_counts(engine, settings):
    old = NOW - timedelta(days=800)  # well beyond the default 24 months
    with transaction(engine) as s:
        alert, _ = _delivered_alert(s, at=old)
        _delivered_alert(s, email="ola@bergen.kommune.no")  # recent: left alone
    report = run_retention(engine=engine, settings=settings, now=NOW)
    assert report.events_aggregated == 3
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(ReceiptEvent)) == 3
        months = {(r.kind, r.month, r.count) for r in s.scalars(select(ReceiptEventMonth))}
        assert months == {(k, old.strftime("%Y-%m"), 1) for k in ("accepted", "bounced", "clicked")}
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "retention.aggregate_events")).one().actor \
            == "retention"
    # A second run finds nothing more to do, and records nothing.
    assert run_retention(engine=engine, settings=settings, now=NOW).events_aggregated == 0


def test_retention_purges_old_raw_reports_but_keeps_what_was_parsed(engine, settings):
    with transaction(engine) as s:
        _delivered_alert(s, at=NOW - timedelta(days=91))
    assert run_retention(engine=engine, settings=settings, now=NOW).raw_reports_purged == 1
    with transaction(engine) as s:
        raw = s.scalars(select(RawReport)).one()
        assert raw.raw is None and raw.purged and raw.parsed["status"] == "5.1.1"


def test_retention_erases_contacts_unsubscribed_long_enough(engine, settings, with_ops):
    with transaction(engine) as s:
        gone = factories.make_contact(s, email="gone@voss.kommune.no", status="unsubscribed",
                                      unsubscribed_at=NOW - timedelta(days=31))
        recent = factories.make_contact(s, email="recent@voss.kommune.no", status="unsubscribed",
                                        unsubscribed_at=NOW - timedelta(days=5))
        # The same person still subscribed in another municipality keeps that row and its address.
        twin = factories.make_contact(s, email="gone@voss.kommune.no")
    assert run_retention(engine=engine, settings=with_ops(erase_unsubscribed_days=30), now=NOW).contacts_erased == 1
    with transaction(engine) as s:
        assert s.get(Contact, gone.id).status == "erased" and s.get(Contact, gone.id).email is None
        assert s.get(Contact, recent.id).email == "recent@voss.kommune.no"
        assert s.get(Contact, twin.id).email == "gone@voss.kommune.no"


def test_months_before_starts_a_norwegian_month():
    assert months_before(NOW, 24) == datetime(2025, 2, 28, 23, 0, tzinfo=UTC)


def test_retention_erases_sign_ups_nobody_confirmed(engine, settings, with_ops):
    from relay.delivery.outbox import enqueue

    with transaction(engine) as s:
        stale = factories.make_contact(s, email="never@voss.kommune.no", status="pending")
        asked_again = factories.make_contact(s, email="again@voss.kommune.no", status="pending")
        stale.created_at, asked_again.created_at = NOW - timedelta(days=40), NOW - timedelta(days=400)
        enqueue(session=s, purpose_key="optin:again", kind="optin", to_address="again@voss.kommune.no",
                envelope_from="bounces@relay.test", message=b"Subject: x\r\n\r\nx\r\n", subject="x",
                message_id_header="<optin-again@relay.test>", contact_id=asked_again.id, now=NOW - timedelta(days=2))
    assert run_retention(engine=engine, settings=with_ops(erase_unsubscribed_days=30), now=NOW).contacts_erased == 1
    with transaction(engine) as s:
        assert s.get(Contact, stale.id).status == "erased" and s.get(Contact, stale.id).email is None
        assert s.get(Contact, asked_again.id).email == "again@voss.kommune.no"  # its opt-in mail is recent
