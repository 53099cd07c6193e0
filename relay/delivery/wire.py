"""One mail transaction on an open SMTP session, pipelined (RFC 2920) when the server allows it.

aiosmtplib opens the session (greeting, EHLO, STARTTLS, AUTH); then SmtpLane hands the transport
to this protocol. Why: aiosmtplib waits for each reply before the next command and reads at most
one reply per command, so MAIL, RCPT, DATA and the content cost four round trips and a fair
amount of Python per message. Here MAIL+RCPT+DATA go out in one write and the content in a
second one: two round trips, which the delivery benchmark measured at about twice the rate.

Errors are raised as aiosmtplib's own classes, so policy.classify_error reads them as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import deque
from dataclasses import replace

import aiosmtplib
from aiosmtplib.email import parse_address, quote_address

from relay.delivery.policy import Verdict, classify_reply

MAX_REPLY = 64 * 1024  # a reply longer than this is not SMTP
_PLAIN_ADDRESS = re.compile(r"[^\s<>\"()\[\]\\,;:@]+@[^\s<>\"()\[\]\\,;:@]+")
_LONE_LINE_END = re.compile(rb"\r(?!\n)|(?<!\r)\n")


class Wire(asyncio.Protocol):
    """Replies parsed as they arrive and queued in order, so several commands can be in flight."""

    def __init__(self, transport: asyncio.Transport):
        self.transport = transport
        self.replies: deque[tuple[int, str]] = deque()
        self.buffer = bytearray()
        self.waiter: asyncio.Future | None = None
        self.failure: Exception | None = None
        self.stage = "mail"  # what the last reply read belonged to: tells classify_error what was at risk
        transport.set_protocol(self)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        lines: list[str] = []
        start = 0
        while (end := self.buffer.find(b"\n", start)) != -1:
            line = bytes(self.buffer[start:end + 1])
            code = line[:3]
            if not code.isdigit():
                self._fail(aiosmtplib.SMTPException(f"malformed SMTP reply: {line[:80]!r}"))
                return
            lines.append(line[4:].strip(b" \t\r\n").decode("utf-8", "surrogateescape"))
            start = end + 1
            if line[3:4] != b"-":
                self.replies.append((int(code), "\n".join(lines)))
                del self.buffer[:start]
                lines, start = [], 0
        if len(self.buffer) > MAX_REPLY:
            self._fail(aiosmtplib.SMTPException("SMTP reply too long"))
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(aiosmtplib.SMTPServerDisconnected("Connection lost"))

    def eof_received(self) -> bool:
        self._fail(aiosmtplib.SMTPServerDisconnected("Unexpected EOF received"))
        return False

    def _fail(self, exc: Exception) -> None:
        self.failure = self.failure or exc
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    @property
    def open(self) -> bool:
        return self.failure is None and not self.transport.is_closing()

    def write(self, data: bytes) -> None:
        if not self.open:
            raise self.failure or aiosmtplib.SMTPServerDisconnected("Connection lost")
        self.transport.write(data)

    async def reply(self, timeout: float) -> tuple[int, str]:
        while not self.replies:
            if self.failure is not None:
                raise self.failure
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(timeout):
                    await self.waiter
            except TimeoutError:
                raise aiosmtplib.SMTPReadTimeoutError("Timed out waiting for server response") from None
        return self.replies.popleft()

    async def command(self, line: bytes, timeout: float) -> tuple[int, str]:
        self.write(line)
        return await self.reply(timeout)

    async def quit(self, timeout: float) -> None:
        with contextlib.suppress(Exception):  # QUIT is a courtesy
            await self.command(b"QUIT\r\n", timeout)
        self.transport.close()


def envelope_address(address: str, encoding: str) -> bytes:
    """<address> for MAIL/RCPT; anything unusual goes through aiosmtplib's parser, which refuses injection."""
    if _PLAIN_ADDRESS.fullmatch(address):
        return f"<{address}>".encode(encoding)
    return quote_address(parse_address(address)).encode(encoding)


def data_bytes(mime: bytes) -> bytes:
    """The content as DATA carries it: CRLF line ends, leading dots doubled, the final dot."""
    line_ends = mime.count(b"\r\n")
    if mime.count(b"\n") != line_ends or mime.count(b"\r") != line_ends:
        mime = _LONE_LINE_END.sub(b"\r\n", mime)
    if mime.startswith(b"."):
        mime = b"." + mime
    mime = mime.replace(b"\r\n.", b"\r\n..")
    return mime + (b".\r\n" if mime.endswith(b"\r\n") else b"\r\n.\r\n")


async def transact(wire: Wire, *, mail: bytes, rcpt: bytes, mime: bytes, pipelining: bool, timeout: float,
                   announced: bool = False, then: bytes | None = None) -> tuple[Verdict, bool, bool]:
    """MAIL, RCPT, DATA and the content; returns the verdict, whether the session needs RSET, and
    whether `then` went out.

    announced: MAIL, RCPT and DATA were already written (as the `then` of the message before).
    then: the next message's MAIL+RCPT+DATA, written right behind this content's final dot (RFC
    2920 §3.1 lets content lead a group), so a message costs one round trip instead of two.
    Raises (aiosmtplib classes) when the connection fails; wire.stage says where. Only once the
    content has been written ("data") can the server have the message.
    """
    commands = (("mail", mail), ("rcpt", rcpt), ("data-start", b"DATA\r\n"))
    wire.stage = "mail"
    if pipelining and not announced:
        wire.write(mail + rcpt + b"DATA\r\n")
    for index, (stage, line) in enumerate(commands):
        wire.stage = stage
        code, text = await (wire.reply(timeout) if pipelining else wire.command(line, timeout))
        if stage == "data-start" and code == 354:
            break
        if stage != "data-start" and 200 <= code < 300:
            continue
        if 200 <= code < 400:
            # A 2xx or 3xx to DATA (or a 3xx to MAIL/RCPT) is a confused server: try again later.
            verdict = Verdict("retry", f"{code} {text}".strip(), "connection", close_connection=True)
        else:
            verdict = classify_reply(code, text, stage)
        if pipelining and not verdict.close_connection:
            verdict = await _drain(wire, len(commands) - index - 1, verdict, timeout)
        return verdict, not verdict.close_connection, False
    wire.stage = "data"
    then = then if pipelining else None
    wire.write(data_bytes(mime) + then if then else data_bytes(mime))
    code, text = await wire.reply(timeout)
    return classify_reply(code, text, "data"), False, then is not None


async def _drain(wire: Wire, count: int, verdict: Verdict, timeout: float) -> Verdict:
    """Read the replies to the commands already pipelined behind a refused one."""
    try:
        for _ in range(count):
            code, _text = await wire.reply(timeout)
            if code == 354:
                # DATA accepted with no valid recipient: the only clean way out is a new session.
                return replace(verdict, close_connection=True)
    except Exception:  # the verdict stands; the session does not
        return replace(verdict, close_connection=True)
    return verdict
