"""A real SMTP server (aiosmtpd on 127.0.0.1) that misbehaves on purpose, per recipient.

    with FaultServer({"nobody@k.test": Fault(rcpt="550 5.1.1 No such user")}) as server:
        ...
        assert server.count("<id@relay.test>") == 1

A fault can answer RCPT or the end of DATA with a given reply, drop the connection at RCPT
or right after the final dot (the message is kept: the server "accepted" it, the client never
hears), or wait before the final reply. `times` limits a fault to its first N uses, after
which the recipient is served normally. Every accepted message is counted by Message-ID.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from collections import Counter
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.smtpsink import free_port


@dataclass
class Fault:
    rcpt: str | None = None  # reply to RCPT TO, e.g. "550 5.1.1 No such user"
    data: str | None = None  # reply after the final dot, e.g. "554 5.6.0 Rejected"
    drop: str | None = None  # "rcpt" or "data": close the connection instead of replying
    delay: float = 0.0  # seconds to wait before the final DATA reply
    times: int | None = None  # only the first N uses; None: always
    raw: bytes | None = None  # written as-is before the final DATA reply, e.g. a continuation line in Latin-1


@dataclass
class FaultHandler:
    faults: dict[str, Fault] = field(default_factory=dict)
    received: list[tuple[str, str, bytes]] = field(default_factory=list)  # (mail from, rcpt, data)
    message_ids: Counter = field(default_factory=Counter)
    uses: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    slow: float = 0.0  # seconds every accepted message waits before its 250: keeps a batch in flight
    pipelining: bool = True  # advertise RFC 2920 PIPELINING, as Postfix, Exim and Exchange do

    sessions: int = 0  # EHLOs seen: one per connection

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802 - aiosmtpd hook
        session.host_name = hostname
        self.sessions += 1
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    def _fault(self, address: str, stage: str) -> Fault | None:
        fault = self.faults.get(address.lower())
        if fault is None or not (getattr(fault, stage, None) or fault.drop == stage
                                 or (stage == "data" and (fault.delay or fault.raw))):
            return None
        with self.lock:
            self.uses[(address.lower(), stage)] += 1
            if fault.times is not None and self.uses[(address.lower(), stage)] > fault.times:
                return None
        return fault

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd hook
        fault = self._fault(address, "rcpt")
        if fault and fault.drop == "rcpt":
            server.transport.close()
            return "421 4.4.2 dropped"
        if fault and fault.rcpt:
            return fault.rcpt
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        address = envelope.rcpt_tos[0]
        fault = self._fault(address, "data")
        if fault and fault.data:
            return fault.data
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.received.append((envelope.mail_from, address, envelope.original_content))
            self.message_ids[str(message["Message-ID"])] += 1
            number = len(self.received)
        if fault and fault.delay or self.slow:
            await asyncio.sleep(fault.delay if fault and fault.delay else self.slow)
        if fault and fault.drop == "data":
            server.transport.close()
        if fault and fault.raw:
            server.transport.write(fault.raw)  # aiosmtpd would encode a reply as ASCII or UTF-8 only
        return f"250 2.0.0 Ok: queued as Q{number:06d}"


def _refuse_all(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=False, handled=False)


class FaultServer:
    def __init__(self, faults: dict[str, Fault] | None = None, *, refuse_auth: bool = False, slow: float = 0.0,
                 pipelining: bool = True):
        self.handler = FaultHandler({k.lower(): v for k, v in (faults or {}).items()}, slow=slow,
                                    pipelining=pipelining)
        self.port = free_port()
        kwargs = {}
        if refuse_auth:
            kwargs = {"authenticator": _refuse_all, "auth_require_tls": False}
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     server_hostname="mx.fault.test", **kwargs)

    def count(self, message_id: str) -> int:
        return self.handler.message_ids[message_id]

    @property
    def received(self):
        return self.handler.received

    def __enter__(self) -> FaultServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
