"""One persistent SMTP connection ("lane") that carries many messages, one recipient each.

The worker runs `smtp.concurrency` lanes side by side. A lane reconnects after
`messages_per_connection` transactions, after a dropped connection, or after a 452. It stops
for the rest of the batch when the server cannot be reached or says 421, so a sick server is
not hammered; the messages it did not reach go back to the queue untried.
"""

from __future__ import annotations

import re
import socket
from dataclasses import replace

import aiosmtplib

from relay.delivery.policy import Verdict, classify_error
from relay.delivery.wire import Wire, envelope_address, transact

CONNECT_STAGES = ("connect", "starttls", "auth")
_XTEXT_SAFE = re.compile(r"[!-*,-<>-~]*")  # printable ASCII except "+" and "="
_LOCAL_HOSTNAME = socket.gethostname()  # not getfqdn(): that can wait on DNS for seconds


def xtext(value: str) -> str:
    """RFC 3461 xtext, for ENVID and ORCPT."""
    if _XTEXT_SAFE.fullmatch(value):
        return value
    return "".join(c if 33 <= ord(c) <= 126 and c not in "+=" else f"+{ord(c):02X}" for c in value)


class SmtpLane:
    def __init__(self, smtp, *, tls_context=None):
        self.settings = smtp
        self.tls_context = tls_context
        self.client: aiosmtplib.SMTP | None = None  # opened the session; knows the EHLO extensions
        self.wire: Wire | None = None  # carries the mail transactions (wire.py says why)
        self.host: str | None = None
        self.transactions = 0
        self.usable = True
        self.pending: int | None = None  # message whose MAIL/RCPT/DATA are already on the wire
        self._stage = "connect"

    async def _open(self) -> None:
        s = self.settings
        self._stage = "connect"
        client = aiosmtplib.SMTP(
            hostname=s.host, port=s.port, timeout=s.timeout, use_tls=s.tls, start_tls=False,
            local_hostname=_LOCAL_HOSTNAME, tls_context=self.tls_context,
        )
        greeting = await client.connect()
        self.client, self.transactions = client, 0
        peer = client.transport.get_extra_info("peername") if client.transport else None
        name = (greeting.message.split() or [s.host])[0]
        self.host = f"{name} [{peer[0]}]:{peer[1]}" if peer else f"{s.host}:{s.port}"
        if s.starttls:
            self._stage = "starttls"
            await client.starttls()
        if s.username:
            self._stage = "auth"
            await client.login(s.username, s.password.get_secret_value())
        if client.is_ehlo_or_helo_needed:
            self._stage = "connect"
            await client.ehlo()
        self.wire = Wire(client.transport)

    async def _ensure(self) -> Wire:
        if self.wire is not None and self.wire.open \
                and self.transactions < self.settings.messages_per_connection:
            return self.wire
        await self.close()
        await self._open()
        return self.wire

    async def deliver(self, item, mime: bytes, following=None) -> Verdict:
        """Hand over one message: MAIL, one RCPT, DATA. Never raises; the verdict says what happened.

        following: the message the caller sends next; its MAIL/RCPT/DATA ride behind this content.
        """
        try:
            if self.pending is not None and self.pending != item.id:
                self._abort()  # an announced message that will not come: drop it, never send it empty
            wire = await self._ensure()
            announced, self.pending = self.pending == item.id, None
            self._stage = "mail"
            pipelining = self.client.supports_extension("pipelining")
            then = None
            if following is not None and pipelining \
                    and self.transactions + 1 < self.settings.messages_per_connection:
                try:
                    then = b"".join(self._envelope(self.client, following, following.mime)) + b"DATA\r\n"
                except _NeedsSmtpUtf8:
                    then = None
            # An announced message's MAIL and RCPT are on the wire already (built as `following`).
            mail, rcpt = (b"", b"") if announced and pipelining else self._envelope(self.client, item, mime)
            verdict, needs_reset, then_sent = await transact(
                wire, mail=mail, rcpt=rcpt, mime=mime, pipelining=pipelining, timeout=self.settings.timeout,
                announced=announced, then=then,
            )
            self.transactions += 1
            if then_sent:
                self.pending = following.id
        except _NeedsSmtpUtf8 as exc:
            return Verdict("technical", str(exc), "config")
        except Exception as exc:  # every failure becomes a recorded verdict (C6)
            self.transactions += 1
            stage = self.wire.stage if self._stage == "mail" and self.wire is not None else self._stage
            verdict = classify_error(exc, stage)
            needs_reset = False
            self._abort()  # replies may still be on their way: this session cannot be trusted
        verdict = replace(verdict, host=self.host)
        if self._stage in CONNECT_STAGES or verdict.reply.startswith("421"):
            self.usable = False
        if verdict.close_connection:
            await self.close()
        elif needs_reset:
            await self._reset_transaction()
        return verdict

    def _envelope(self, client: aiosmtplib.SMTP, item, mime: bytes) -> tuple[bytes, bytes]:
        mail_options, rcpt_options, encoding = self._options(client, item, mime)
        return (_command(b"MAIL FROM:", item.envelope_from, mail_options, encoding),
                _command(b"RCPT TO:", item.to_address, rcpt_options, encoding))

    def _options(self, client: aiosmtplib.SMTP, item, mime: bytes) -> tuple[list[str], list[str], str]:
        mail_options: list[str] = []
        rcpt_options: list[str] = []
        encoding = "ascii"
        if client.supports_extension("dsn"):
            # Ask for failure and delay reports (§3.2); they route back through the envelope sender.
            mail_options += ["RET=HDRS", f"ENVID={xtext(item.message_id_header.strip('<>'))}"]
            rcpt_options += ["NOTIFY=FAILURE,DELAY", f"ORCPT=rfc822;{xtext(item.to_address)}"]
        if client.supports_extension("8bitmime") and not mime.isascii():
            mail_options.append("BODY=8BITMIME")
        if not (item.to_address + item.envelope_from).isascii():
            if not client.supports_extension("smtputf8"):
                raise _NeedsSmtpUtf8(f"non-ASCII address {item.to_address!r} and the server lacks SMTPUTF8")
            mail_options.append("SMTPUTF8")
            encoding = "utf-8"
        return mail_options, rcpt_options, encoding

    async def _reset_transaction(self) -> None:
        """After a refused MAIL/RCPT/DATA the session goes on with RSET; if that fails, reconnect later."""
        if self.wire is None or not self.wire.open:
            return
        try:
            await self.wire.command(b"RSET\r\n", self.settings.timeout)
        except Exception:  # a broken session is simply replaced on the next message
            await self.close()

    def _abort(self) -> None:
        self.pending = None
        if self.wire is not None:
            self.wire.transport.close()
        elif self.client is not None:
            self.client.close()
        self.wire = self.client = None

    async def close(self) -> None:
        if self.pending is not None:
            # The server waits for an announced message's content: QUIT would be taken for it.
            self._abort()
            return
        wire, self.wire, client, self.client = self.wire, None, self.client, None
        if wire is not None:
            if wire.open:
                await wire.quit(min(self.settings.timeout, 5.0))
            else:
                wire.transport.close()
        elif client is not None and client.is_connected:
            try:
                await client.quit()
            except Exception:  # QUIT is a courtesy
                client.close()


def _command(verb: bytes, address: str, options: list[str], encoding: str) -> bytes:
    parts = [verb + envelope_address(address, encoding), *(o.encode(encoding) for o in options)]
    return b" ".join(parts) + b"\r\n"


class _NeedsSmtpUtf8(Exception):
    pass
