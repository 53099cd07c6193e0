"""DSNs and MDNs in the real shapes of Postfix, Exim, Microsoft Exchange/Outlook and Gmail."""

from __future__ import annotations

from pathlib import Path

import pytest

from relay.receipts.dsn import parse_report

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "dsn"
RECIPIENT = "kari.nordmann@kommune.test"
MESSAGE_ID = "<digest.41.1763370900@relay.test>"


def fixture(name: str, bounce: str = "bounces+digest:41.abcdef0123456789@relay.test") -> bytes:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return text.replace("{RECIPIENT}", RECIPIENT).replace("{MESSAGE_ID}", MESSAGE_ID) \
        .replace("{BOUNCE_ADDRESS}", bounce).replace("\n", "\r\n").encode()


@pytest.mark.parametrize(("name", "action", "status", "hard", "policy", "mta"), [
    ("postfix_user_unknown.eml", "failed", "5.1.1", True, False, "mx.relay.test"),
    ("exim_mailbox_full.eml", "failed", "4.2.2", False, False, "mail.kommune.test"),
    ("exchange_delivered.eml", "delivered", "2.0.0", False, False, "AM0PR09MB1234.eurprd09.prod.outlook.com"),
    ("gmail_policy_block.eml", "failed", "5.7.26", True, True, "googlemail.com"),
])
def test_it_reads_each_servers_delivery_status(name, action, status, hard, policy, mta):
    report = parse_report(fixture(name))
    assert report.kind == "dsn" and report.structured
    assert report.reporting_mta == mta
    [result] = report.recipients
    assert (result.recipient, result.action, result.status) == (RECIPIENT, action, status)
    assert (result.hard, result.policy) == (hard, policy)


def test_it_finds_the_original_message_id_in_the_returned_headers():
    assert parse_report(fixture("postfix_user_unknown.eml")).original_message_id == MESSAGE_ID
    assert parse_report(fixture("exim_mailbox_full.eml")).original_message_id == MESSAGE_ID


def test_it_keeps_the_diagnostic_and_the_remote_server():
    [result] = parse_report(fixture("postfix_user_unknown.eml")).recipients
    assert "User unknown" in result.diagnostic
    assert result.remote_mta == "mx1.kommune.test"


def test_a_read_receipt_is_an_mdn_with_its_disposition():
    report = parse_report(fixture("outlook_mdn_displayed.eml"))
    assert report.kind == "mdn" and report.disposition == "displayed"
    assert report.original_message_id == MESSAGE_ID


def test_a_prose_only_bounce_is_read_from_the_text_and_marked_as_such():
    raw = (b"From: MAILER-DAEMON@old.kommune.test\r\nTo: x@relay.test\r\nSubject: Returned mail\r\n\r\n"
           b"Delivery to kari@kommune.test failed: 550 5.1.1 no such user\r\n")
    report = parse_report(raw)
    assert report.kind == "unparsed"  # a hint for review, never a recorded bounce
    assert not report.structured and report.recipients[0].status == "5.1.1"
    assert report.warnings


def test_a_message_that_is_no_report_is_other():
    assert parse_report(b"From: a@b.test\r\nSubject: hei\r\n\r\nhallo\r\n").kind == "other"


@pytest.mark.parametrize("headers", [
    b"Auto-Submitted: auto-replied\r\nSubject: Re: Ukentlig oversikt\r\n",
    b"Subject: Automatisk svar: Ukentlig oversikt\r\n",
    b"Subject: Fr\xc3\xa5verande: Ukentlig oversikt\r\n",
    b"Subject: Automatic reply: Weekly digest\r\n",
])
def test_out_of_office_replies_are_auto_replies_even_with_numbers_that_look_like_codes(headers):
    raw = b"From: kari@kommune.test\r\nTo: bounces@relay.test\r\n" + headers + (
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nTilbake 5.1.25. Ring 550 12 345.\r\n")
    report = parse_report(raw)
    assert report.kind == "auto-reply" and report.recipients == ()


def test_a_real_dsn_is_not_an_auto_reply_although_it_says_auto_replied():
    assert b"Auto-Submitted: auto-replied" in fixture("postfix_user_unknown.eml")
    assert parse_report(fixture("postfix_user_unknown.eml")).kind == "dsn"


def test_unable_to_route_is_not_hard():
    from relay.receipts.dsn import RecipientResult

    assert not RecipientResult("x@y.test", "failed", "5.4.4").hard
    assert RecipientResult("x@y.test", "failed", "5.1.1").hard


def test_an_mdn_without_final_recipient_still_says_what_happened():
    raw = fixture("outlook_mdn_displayed.eml").replace(b"Final-Recipient: rfc822;" + RECIPIENT.encode() + b"\r\n", b"")
    report = parse_report(raw)
    assert report.disposition == "displayed" and report.disposition_mode == "manual-action/MDN-sent-manually"
    assert [r.recipient for r in report.recipients] == [""]
