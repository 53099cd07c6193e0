"""build_message: the one function that turns a kind, a recipient and a context into a MIME message.

It renders the template triplet, then sets every header Relay relies on: a Message-ID on Relay's
domain (receipts join on it), the signed VERP envelope sender (bounces map to this message), and
for subscription mail the RFC 2919 List-Id and RFC 8058 one-click unsubscribe headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from relay.i18n import LANGUAGES, translator
from relay.mail import envelope, templating
from relay.mail.context import alert_count, as_dict
from relay.mail.headers import POLICY, address, list_id_header
from relay.mail.sanitize import clean_header
from relay.mail.sender import from_name, list_name
from relay.settings import Settings

_EXTRA_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
# Mail to municipal contacts; read receipts and the pixel are never asked of staff mail (sign-in, notices).
CONTACT_KINDS = ("digest", "alert")
# Sent on an office's behalf: From names the office (context office_name, in the recipient's standard).
OFFICE_KINDS = ("digest", "alert", "optin")


@dataclass(frozen=True)
class ComposedMessage:
    message: EmailMessage
    envelope_from: str  # MAIL FROM: the signed bounce address
    message_id: str  # with angle brackets, exactly as in the header
    subject: str


def build_message(
    kind: str,
    *,
    to: str,
    language: str,
    context,
    settings: Settings,
    message_key: str,
    list_id: str | None = None,
    unsubscribe_url: str | None = None,
) -> ComposedMessage:
    """Render templates/email/<kind>/ for one recipient and wrap it in headers.

    context: a dataclass from relay.mail.context or a dict with the same keys, texts already in
    `language`. list_id: "digest.<kommunenummer>"; the From domain is appended. message_key: the
    message's unique purpose key, signed into the envelope sender.
    """
    language = language if language in LANGUAGES else "nb"
    values = _template_values(kind, language, as_dict(context), settings)
    subject = clean_header(templating.render(kind, "subject.txt", values))
    values["subject"] = subject
    text = _tidy_text(templating.render(kind, "body.txt", values))
    html = templating.render(kind, "body.html", values)
    if settings.receipts.open_pixel and kind in CONTACT_KINDS:
        from relay.receipts import pixel

        html = pixel.add_to_html(html, pixel.pixel_url(settings, message_key))

    message_id = envelope.new_message_id(settings)
    message = EmailMessage(policy=POLICY)
    office = str(values.get("office_name") or "") if kind in OFFICE_KINDS else ""
    message["From"] = address(from_name(settings.mail.from_name, office, language), settings.mail.from_address)
    message["To"] = address("", to)
    if settings.mail.reply_to:
        message["Reply-To"] = address("", settings.mail.reply_to)
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id
    # RFC 3834: an automatic message; well-behaved auto-responders stay quiet, DSNs still come.
    message["Auto-Submitted"] = "auto-generated"
    if kind == "digest":
        message["Precedence"] = "bulk"
    if list_id:
        phrase = list_name(language, office=str(values.get("office_name") or ""),
                           municipality=str(values.get("municipality_name") or ""),
                           sectors=[s["sector_name"] for s in values.get("sections") or []])
        message["List-Id"] = list_id_header(phrase, list_id, envelope.from_domain(settings))
    if settings.receipts.request_mdn and kind in CONTACT_KINDS:
        # RFC 8098 3.1: clients send automatic MDNs only when this equals the Return-Path, and the
        # signed per-message address maps the MDN back to exactly this message.
        message["Disposition-Notification-To"] = envelope.bounce_address(settings, message_key)
    if unsubscribe_url:
        https = templating.link(unsubscribe_url)
        mailto = envelope.unsubscribe_address(settings, message_key)
        message["List-Unsubscribe"] = f"<{https}>, <mailto:{mailto}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Quoted-printable keeps both parts readable on the wire (base64 text looks like spam to filters).
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = language  # after set_content, which drops Content-* headers
    return ComposedMessage(
        message=message,
        envelope_from=envelope.bounce_address(settings, message_key),
        message_id=message_id,
        subject=subject,
    )


def _template_values(kind: str, language: str, context: dict, settings: Settings) -> dict:
    values = dict(context)
    values.update(t=translator(language), lang=language, kind=kind, tz=settings.timezone)
    if "sections" in values:
        values["alert_count"] = alert_count(values["sections"])
    return values


def _tidy_text(text: str) -> str:
    text = _TRAILING_SPACE.sub("\n", text.replace("\r\n", "\n"))
    return _EXTRA_BLANK_LINES.sub("\n\n", text).strip() + "\n"
