"""SMTP replies and errors → what happens to the message (DELIVERY-AND-RECEIPTS §2.1), and the backoff.

A Verdict is pure data: the worker turns it into a status change. Nothing here touches the
database or the network, so every row of the §2.1 table is a one-line test.
"""

from __future__ import annotations

import random
import re
import ssl
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

import aiosmtplib

Action = Literal["sent", "retry", "permanent", "technical"]

BACKOFF_START = 60.0
BACKOFF_CAP = 3600.0
BACKPRESSURE = (421, 451, 452)

_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")
_QUEUE_ID = (
    re.compile(r"queued as\s+<?([^\s>]+?)>?(?:\s|$)", re.IGNORECASE),  # Postfix, aiosmtpd, Sendmail-likes
    re.compile(r"InternalId=([\w.\-]+)"),  # Exchange / Microsoft 365
)


class SendError(Exception):
    """A failure to hand over one message, marked transient or permanent (STYLE C6)."""

    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Verdict:
    action: Action
    reply: str
    evidence: str = ""  # address | policy | content | transient | backpressure | connection | uncertain | auth | config | internal
    queue_id: str | None = None
    host: str | None = None
    uncertain: bool = False  # the server may have accepted it: a retry is a possible duplicate (§5.4)
    ours: bool = False  # the fault is on Relay's side: retries that run out end in technical-failure
    close_connection: bool = False  # this connection is no longer usable for the next message
    stop_batch: bool = False  # nothing else in this batch can succeed (our smarthost refused AUTH)

    def __post_init__(self) -> None:
        for name in ("reply", "queue_id", "host"):  # server's words, all of them stored
            if getattr(self, name):
                object.__setattr__(self, name, readable(getattr(self, name)))


# Lone surrogates (bytes that were not UTF-8, as the SMTP decoders keep them) and control characters
# other than tab and line end: no database takes the first, PostgreSQL refuses NUL.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def readable(text: str) -> str:
    """A server's words as text every database stores and every page shows: what could not be stored
    becomes a visible escape (\\xf8, \\x00), so the reply is still the server's own, byte for byte."""
    if not _UNSTORABLE.search(text):
        return text
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that did not come from a byte
        text = text.encode("utf-8", "backslashreplace").decode("ascii")
    return _UNSTORABLE.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def enhanced_status(text: str) -> str | None:
    match = _ENHANCED.match(text or "")
    return ".".join(match.groups()) if match else None


def queue_id_from(reply: str) -> str:
    """The queue id the next hop named, or the reply itself (§3.1: keep the server's own words)."""
    for pattern in _QUEUE_ID:
        match = pattern.search(reply)
        if match:
            return match.group(1)[:200]
    return reply[:200]


def classify_reply(code: int, text: str, stage: str) -> Verdict:
    """One SMTP reply at one stage (connect, mail, rcpt, data) → a verdict."""
    reply = f"{code} {text}".strip()
    status = enhanced_status(text) or ""
    if 200 <= code < 300:
        return Verdict("sent", reply, queue_id=queue_id_from(reply)) if stage == "data" else Verdict("sent", reply)
    if code == 421:
        # The server is closing; aiosmtplib has already dropped the connection.
        return Verdict("retry", reply, "backpressure", close_connection=True, ours=stage == "connect")
    if stage == "rcpt" and code == 552:
        code = 452  # RFC 5321 §4.5.3.1.10: a 552 to RCPT is a temporary "too many recipients"
    if 400 <= code < 500:
        if code in BACKPRESSURE:
            # "too many messages/connections": pacing, not failure; 452 asks for a fresh session.
            return Verdict("retry", reply, "backpressure", close_connection=code == 452)
        return Verdict("retry", reply, "transient", ours=stage == "connect")
    if status.startswith("5.7."):
        return Verdict("permanent", reply, "policy")
    if stage == "connect":
        # A 5xx greeting refuses every message alike: a problem with our relay, not this recipient.
        return Verdict("retry", reply, "connection", ours=True, close_connection=True)
    if stage == "mail":
        return Verdict("technical", reply, "config")  # our envelope sender was refused
    if stage == "rcpt":
        return Verdict("permanent", reply, "address")
    return Verdict("permanent", reply, "content")


def classify_error(exc: BaseException, stage: str) -> Verdict:
    """An exception raised while handing over one message → a verdict (aiosmtplib 5.1 classes)."""
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return Verdict("technical", f"{exc.code} {exc.message}", "auth", close_connection=True, stop_batch=True)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        verdict = classify_reply(exc.code, exc.message, stage)
        if isinstance(exc, aiosmtplib.SMTPConnectResponseError | aiosmtplib.SMTPHeloError):
            verdict = replace(verdict, close_connection=True)
        return verdict
    if isinstance(exc, aiosmtplib.SMTPNotSupported) or (
        stage in ("starttls", "auth") and type(exc) is aiosmtplib.SMTPException
    ):
        # e.g. STARTTLS or AUTH required by our settings but not offered: an operator must act.
        return Verdict("technical", f"not supported: {exc.message}", "config", close_connection=True)
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected | aiosmtplib.SMTPTimeoutError) and stage == "data":
        # aiosmtplib does not say whether the final dot went out; assume it did and count the
        # retry as a possible duplicate rather than risk hiding one.
        return Verdict("retry", f"{type(exc).__name__} during DATA: {exc}", "uncertain", uncertain=True,
                       close_connection=True)
    if isinstance(exc, OSError | ssl.SSLError | aiosmtplib.SMTPException | TimeoutError):
        return Verdict("retry", f"{type(exc).__name__} at {stage}: {exc}", "connection", close_connection=True)
    return Verdict("retry", f"internal error at {stage}: {type(exc).__name__}: {exc}", "internal", ours=True,
                   close_connection=True)


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential from 1 minute, capped at 1 hour, with ±15 % jitter so retries do not stampede."""
    base = min(BACKOFF_CAP, BACKOFF_START * 2 ** max(0, attempts - 1))
    jittered = base * (rng or random).uniform(0.85, 1.15)
    return timedelta(seconds=min(BACKOFF_CAP, max(BACKOFF_START, jittered)))


def next_attempt(*, now: datetime, attempts: int, deadline: datetime, rng=None) -> datetime | None:
    """When to try again, or None when the deadline has passed. The last try lands on the deadline."""
    if now >= deadline:
        return None
    return min(now + backoff(attempts, rng), deadline)
