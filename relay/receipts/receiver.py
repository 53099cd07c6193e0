"""Where reports arrive: an inbound SMTP receiver for the bounce domain (aiosmtpd) and an IMAP poller
for a bounce mailbox. Both hand the raw bytes to relay.receipts.inbound.process_inbound."""

from __future__ import annotations

import imaplib
import logging
import ssl
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from relay.db import transaction
from relay.mail.envelope import bounce_domain, read_unsubscribe_address
from relay.receipts.inbound import InboundResult, process_inbound
from relay.settings import Settings

log = logging.getLogger("relay.receipts")
MAX_REPORT_BYTES = 5_000_000


def handle_report(*, engine: Engine, settings: Settings, raw: bytes, channel: str,
                  envelope_to: list[str] | None = None) -> InboundResult:
    """Process one report in its own transaction, then tell the governor about newly bouncing contacts."""
    with transaction(engine) as session:
        result = process_inbound(session=session, settings=settings, raw=raw, channel=channel,
                                 envelope_to=envelope_to)
        if result.newly_bouncing:
            from relay.outgoing import queue_bounce_notices

            queue_bounce_notices(session=session, settings=settings, contact_ids=result.newly_bouncing)
    log.info("report received", extra={"channel": channel, "kind": result.kind, "events": result.events,
                                       "message_id": result.message_id, "duplicate": result.duplicate})
    return result


def handle_mail_unsubscribe(*, engine: Engine, settings: Settings, addresses: list[str]) -> int:
    """The mailto: half of List-Unsubscribe: end the sectors of the message it was sent from."""
    from sqlalchemy import select

    from relay.contacts import unsubscribe
    from relay.models import Alert, Assignment, Message

    done = 0
    with transaction(engine) as session:
        for address in addresses:
            key = read_unsubscribe_address(settings, address)
            message = session.scalars(select(Message).where(Message.purpose_key == key)).first()
            if message is None or message.contact_id is None:
                continue
            alerts = session.scalars(select(Alert).join(Assignment, Assignment.alert_id == Alert.id)
                                     .where(Assignment.message_id == message.id)).all()
            sectors = sorted({s for alert in alerts for s in alert.sector_ids}) or None
            unsubscribe(session=session, contact_id=message.contact_id, sectors=sectors, channel="mailto",
                        token=address)
            done += 1
    return done


@dataclass
class BounceHandler:
    """aiosmtpd handler: accepts mail only for the bounce domain, and always answers 250 once stored."""

    engine: Engine
    settings: Settings

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd hook
        if not address.lower().endswith("@" + bounce_domain(self.settings)):
            return "550 5.1.1 not a bounce address here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        import asyncio

        raw = envelope.original_content or envelope.content
        if len(raw) > MAX_REPORT_BYTES:
            return "552 5.3.4 report too large"
        unsubscribes = [a for a in envelope.rcpt_tos if read_unsubscribe_address(self.settings, a)]
        if unsubscribes:
            await asyncio.to_thread(handle_mail_unsubscribe, engine=self.engine, settings=self.settings,
                                    addresses=unsubscribes)
        reports = [a for a in envelope.rcpt_tos if a not in unsubscribes]
        if reports:
            await asyncio.to_thread(handle_report, engine=self.engine, settings=self.settings, raw=raw,
                                    channel="smtp", envelope_to=reports)
        return "250 2.0.0 received"


def poll_imap(*, engine: Engine, settings: Settings, limit: int = 500, port: int | None = None,
              ssl_context: ssl.SSLContext | None = None) -> int:
    """Read unseen messages from the bounce mailbox and process each in its own transaction.

    A DSN or MDN matched to one of our messages (new or already known) is flagged \\Seen and
    \\Deleted, and expunged at the end. Anything else (unmatched, unparsed, an auto-reply) is kept
    as a raw report too, but flagged \\Seen only and left in the mailbox for a person: never
    delete mail we did not understand (listmonk #1334). A report whose processing fails stays
    unseen and is tried again at the next poll.

    port and ssl_context are for tests (a local server with its own certificate); without them
    the settings' port and the system's trusted certificates are used, host name checked.
    """
    cfg = settings.receipts
    if not cfg.imap_host:
        return 0
    # imaplib's own default context does not verify the certificate; the password must not go
    # to whoever answers on the network path.
    context = ssl_context or ssl.create_default_context()
    processed = 0
    with imaplib.IMAP4_SSL(cfg.imap_host, port or cfg.imap_port, ssl_context=context, timeout=60) as imap:
        imap.login(cfg.imap_username, cfg.imap_password.get_secret_value())
        status, detail = imap.select(cfg.imap_folder)
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot open folder {cfg.imap_folder!r}: {detail}")
        _, data = imap.uid("search", None, "UNSEEN")
        for uid in data[0].split()[:limit]:
            flags = _process_one(imap, uid, engine=engine, settings=settings)
            if flags:
                imap.uid("store", uid, "+FLAGS", flags)
                processed += 1
        imap.expunge()
    log.info("bounce mailbox polled", extra={"folder": cfg.imap_folder, "processed": processed})
    return processed


def _process_one(imap: imaplib.IMAP4, uid: bytes, *, engine: Engine, settings: Settings) -> str | None:
    """The flags to set on one mailbox message once handled, or None to leave it for the next poll."""
    # A partial fetch: an oversized message costs one byte more than the limit, never its whole size.
    _, fetched = imap.uid("fetch", uid, f"(BODY.PEEK[]<0.{MAX_REPORT_BYTES + 1}>)")
    raw = next((part[1] for part in fetched if isinstance(part, tuple)), b"")
    if not raw or len(raw) > MAX_REPORT_BYTES:
        log.warning("bounce mailbox message skipped", extra={"uid": uid.decode(), "bytes": len(raw)})
        return r"(\Seen)"
    try:
        # No envelope here: Delivered-To (or To) in the stored copy names the signed bounce address.
        result = handle_report(engine=engine, settings=settings, raw=raw, channel="imap")
    except Exception:  # noqa: BLE001 - one failing report must not stop the rest; it stays unseen
        log.exception("bounce mailbox message failed", extra={"uid": uid.decode()})
        return None
    ours = result.message_id is not None and result.kind in ("dsn", "mdn")
    return r"(\Seen \Deleted)" if ours else r"(\Seen)"
