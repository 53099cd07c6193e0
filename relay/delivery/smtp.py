"""One persistent SMTP connection ("lane") that carries many messages, one recipient each.

The worker runs `smtp.concurrency` lanes side by side. A lane reconnects after
`messages_per_connection` transactions, after a dropped connection, or after a 452. It stops
for the rest of the batch when the server cannot be reached or says 421, so a sick server is
not hammered; the messages it did not reach go back to the queue untried.
"""

from __future__ import annotations

import socket
from dataclasses import replace

import aiosmtplib

from relay.delivery.policy import Verdict, classify_error, classify_reply

CONNECT_STAGES = ("connect", "starttls", "auth")
_LOCAL_HOSTNAME = socket.gethostname()  # not getfqdn(): that can wait on DNS for seconds


def xtext(value: str) -> str:
    """RFC 3461 xtext, for ENVID and ORCPT."""
    return "".join(c if 33 <= ord(c) <= 126 and c not in "+=" else f"+{ord(c):02X}" for c in value)


class SmtpLane:
    def __init__(self, smtp, *, tls_context=None):
        self.settings = smtp
        self.tls_context = tls_context
        self.client: aiosmtplib.SMTP | None = None
        self.host: str | None = None
        self.transactions = 0
        self.usable = True
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

    async def _ensure(self) -> aiosmtplib.SMTP:
        if self.client is not None and self.client.is_connected \
                and self.transactions < self.settings.messages_per_connection:
            return self.client
        await self.close()
        await self._open()
        return self.client

    async def deliver(self, item, mime: bytes) -> Verdict:
        """Hand over one message: MAIL, one RCPT, DATA. Never raises; the verdict says what happened."""
        try:
            client = await self._ensure()
            self._stage = "mail"
            mail_options, rcpt_options, encoding = self._options(client, item, mime)
            await client.mail(item.envelope_from, options=mail_options, encoding=encoding)
            self._stage = "rcpt"
            await client.rcpt(item.to_address, options=rcpt_options, encoding=encoding)
            self._stage = "data"
            response = await client.data(mime)
            self.transactions += 1
            return replace(classify_reply(response.code, response.message, "data"), host=self.host)
        except _NeedsSmtpUtf8 as exc:
            await self._reset_transaction()
            return Verdict("technical", str(exc), "config")
        except Exception as exc:  # every failure becomes a recorded verdict (C6)
            self.transactions += 1
            verdict = replace(classify_error(exc, self._stage), host=self.host)
            if self._stage in CONNECT_STAGES or verdict.reply.startswith("421"):
                self.usable = False
            if verdict.close_connection:
                await self.close()
            else:
                await self._reset_transaction()
            return verdict

    def _options(self, client: aiosmtplib.SMTP, item, mime: bytes) -> tuple[list[str], list[str], str]:
        mail_options: list[str] = []
        rcpt_options: list[str] = []
        encoding = "ascii"
        if client.supports_extension("dsn"):
            # Ask for failure and delay reports (§3.2); they route back through the envelope sender.
            mail_options += ["RET=HDRS", f"ENVID={xtext(item.message_id_header.strip('<>'))}"]
            rcpt_options += ["NOTIFY=FAILURE,DELAY", f"ORCPT=rfc822;{xtext(item.to_address)}"]
        if any(b > 127 for b in mime) and client.supports_extension("8bitmime"):
            mail_options.append("BODY=8BITMIME")
        if not (item.to_address + item.envelope_from).isascii():
            if not client.supports_extension("smtputf8"):
                raise _NeedsSmtpUtf8(f"non-ASCII address {item.to_address!r} and the server lacks SMTPUTF8")
            mail_options.append("SMTPUTF8")
            encoding = "utf-8"
        return mail_options, rcpt_options, encoding

    async def _reset_transaction(self) -> None:
        """After a refused MAIL/RCPT/DATA the session goes on with RSET; if that fails, reconnect later."""
        if self.client is None or not self.client.is_connected:
            return
        try:
            await self.client.rset()
        except Exception:  # a broken session is simply replaced on the next message
            await self.close()

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is None or not client.is_connected:
            return
        try:
            await client.quit()
        except Exception:  # QUIT is a courtesy
            client.close()


class _NeedsSmtpUtf8(Exception):
    pass
