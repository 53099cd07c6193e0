"""Read delivery status notifications (RFC 3464) and read receipts (RFC 8098). Pure: bytes in, facts out.

A DSN is multipart/report; report-type=delivery-status, with one block of per-message fields and one
block per recipient (Action, Status, Diagnostic-Code, Remote-MTA, Final-Recipient). Microsoft
Exchange, Gmail, Postfix and Exim all follow it, with their own wording in the human part.

Everything else is classified, never guessed into a receipt (DELIVERY-AND-RECEIPTS 3.2):
- kind "auto-reply": an out-of-office or other RFC 3834 auto-reply sent to the bounce address;
- kind "unparsed": a bounce in prose only. A status code read from the text is kept as a hint for
  the admin who reviews it (`structured=False`), but it records no event;
- kind "other": anything else.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage

STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
SMTP_CODE = re.compile(r"\b([245]\d\d)\b")


@dataclass(frozen=True)
class RecipientResult:
    recipient: str
    action: str  # failed | delayed | delivered | relayed | expanded
    status: str  # enhanced status code, e.g. 5.1.1
    diagnostic: str = ""
    remote_mta: str = ""

    @property
    def hard(self) -> bool:
        # 5.4.4 (unable to route) is often a passing DNS problem: transient, as healthchecks treats it.
        return self.action == "failed" and self.status.startswith("5") and self.status != "5.4.4"

    @property
    def policy(self) -> bool:
        """5.7.x: SPF, DKIM, DMARC or reputation — usually Relay's problem, not a bad address."""
        return self.status.startswith("5.7.")


@dataclass(frozen=True)
class Report:
    kind: str  # dsn | mdn | auto-reply | unparsed | other (each fits RawReport.kind, 10 characters)
    reporting_mta: str = ""
    original_message_id: str = ""  # from the returned headers, when present
    original_envelope_id: str = ""
    report_message_id: str = ""
    recipients: tuple[RecipientResult, ...] = ()
    disposition: str = ""  # MDN: displayed | deleted | dispatched | processed
    disposition_mode: str = ""  # MDN: e.g. manual-action/MDN-sent-manually (RFC 8098 3.2.6.1)
    structured: bool = True
    warnings: tuple[str, ...] = field(default_factory=tuple)


def parse_report(raw: bytes) -> Report:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    report_id = str(message.get("Message-ID", "")).strip()
    if message.get_content_type() == "multipart/report":
        report_type = message.get_param("report-type", "").lower()
        if report_type == "delivery-status":
            return _dsn(message, report_id)
        if report_type == "disposition-notification":
            return _mdn(message, report_id)
    if _is_auto_reply(message):
        return Report(kind="auto-reply", report_message_id=report_id, structured=False,
                      original_message_id=str(message.get("In-Reply-To", "")).strip())
    return _unstructured(message, report_id)


# Subjects of out-of-office replies from servers that omit Auto-Submitted (older Exchange, some webmail).
AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(matisk)?\s*svar|autosvar|fraværende|fråverande|out of (the )?office|"
    r"abwesenheit|frånvaro)", re.IGNORECASE)


def _is_auto_reply(message: EmailMessage) -> bool:
    """RFC 3834 auto-replies and out-of-office notices: neither bounces nor reads, but kept."""
    if str(message.get("Auto-Submitted", "")).strip().lower().startswith("auto-replied"):
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return True
    return bool(AUTO_REPLY_SUBJECT.match(str(message.get("Subject", ""))))


def _field_blocks(part) -> list[dict[str, str]]:
    """message/delivery-status bodies are header blocks separated by blank lines."""
    payload = part.get_payload()
    if isinstance(payload, list):  # the email package parses each block as a message
        return [{k.lower(): str(v).strip() for k, v in block.items()} for block in payload]
    text = payload if isinstance(payload, str) else part.get_payload(decode=True).decode("utf-8", "replace")
    blocks, current, last = [], {}, None
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
            current, last = {}, None
        elif line[0] in " \t" and last:
            current[last] += " " + line.strip()
        elif ":" in line:
            name, value = line.split(":", 1)
            last = name.strip().lower()
            current[last] = value.strip()
    if current:
        blocks.append(current)
    return blocks


def _address(value: str) -> str:
    """`rfc822; kari@kommune.no` → kari@kommune.no"""
    return value.split(";", 1)[-1].strip().strip("<>").lower()


def _dsn(message: EmailMessage, report_id: str) -> Report:
    status_part = next((p for p in message.walk() if p.get_content_type() in
                        ("message/delivery-status", "message/global-delivery-status")), None)
    if status_part is None:
        return _unstructured(message, report_id)
    blocks = _field_blocks(status_part)
    per_message = blocks[0] if blocks else {}
    recipients = []
    for block in blocks[1:] or blocks:
        recipient = block.get("final-recipient") or block.get("original-recipient")
        if not recipient:
            continue
        status = STATUS.search(block.get("status", ""))
        recipients.append(RecipientResult(
            recipient=_address(recipient), action=block.get("action", "").lower(),
            status=status.group(0) if status else block.get("status", ""),
            diagnostic=block.get("diagnostic-code", "").split(";", 1)[-1].strip()[:1000],
            remote_mta=block.get("remote-mta", "").split(";", 1)[-1].strip(),
        ))
    return Report(kind="dsn", reporting_mta=per_message.get("reporting-mta", "").split(";", 1)[-1].strip(),
                  original_envelope_id=per_message.get("original-envelope-id", ""),
                  original_message_id=_returned_message_id(message), report_message_id=report_id,
                  recipients=tuple(recipients))


def _mdn(message: EmailMessage, report_id: str) -> Report:
    part = next((p for p in message.walk() if p.get_content_type() == "message/disposition-notification"), None)
    blocks = _field_blocks(part) if part is not None else []
    fields = blocks[0] if blocks else {}
    # "Disposition: manual-action/MDN-sent-manually; displayed" — the type may carry "/modifier".
    mode, _, kind = fields.get("disposition", "").rpartition(";")
    disposition = kind.strip().split("/")[0].lower()
    original = fields.get("original-message-id", "") or _returned_message_id(message)
    recipient = _address(fields.get("final-recipient", ""))
    # One entry even without Final-Recipient: the report itself is the fact, the recipient a detail.
    return Report(kind="mdn", original_message_id=original.strip(), report_message_id=report_id,
                  disposition=disposition, disposition_mode=mode.strip(),
                  reporting_mta=fields.get("reporting-ua", "").split(";")[0].strip(),
                  recipients=(RecipientResult(recipient=recipient, action=disposition, status=""),))


def _unstructured(message: EmailMessage, report_id: str) -> Report:
    """A bounce in prose only (old or home-made servers): a hint read from the text, for review only."""
    body = message.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    status = STATUS.search(text)
    code = SMTP_CODE.search(text)
    if not status and not code:
        return Report(kind="other", report_message_id=report_id, structured=False)
    enhanced = status.group(0) if status else f"{code.group(1)[0]}.0.0"
    recipient = re.search(r"<?([\w.+'-]+@[\w.-]+\.\w+)>?", text)
    return Report(
        kind="unparsed", report_message_id=report_id, structured=False,
        original_message_id=_returned_message_id(message),
        recipients=(RecipientResult(recipient=recipient.group(1).lower() if recipient else "",
                                    action="failed" if enhanced.startswith("5") else "delayed",
                                    status=enhanced, diagnostic=text.strip()[:500]),),
        warnings=("no machine-readable delivery status: a hint read from the text, kept for review",),
    )


def _returned_message_id(message: EmailMessage) -> str:
    for part in message.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            payload = part.get_payload()
            if isinstance(payload, list) and payload:
                found = payload[0].get("Message-ID")
                if found:
                    return str(found).strip()
            text = payload if isinstance(payload, str) else ""
            match = re.search(r"^Message-ID:\s*(<[^>]+>)", text, re.I | re.M)
            if match:
                return match.group(1)
    return ""
