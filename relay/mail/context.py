"""The shape of what each e-mail template reads, as dataclasses.

build_message also takes plain dicts with the same keys (relay.digests.render builds dicts), so
these classes are the documentation of the contract and a convenience for callers and tests.
Texts arrive already in the recipient's language: the caller picks Alert.text(field, lang); the
templates only add fixed texts from the catalogues.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

# Incident kinds an ops-alert can name; each has a label in every catalogue (email.ops_kind.<kind>).
OPS_KINDS = ("source", "outbox", "bounces", "heartbeat", "smtp", "address")


@dataclass(frozen=True)
class AlertView:
    title: str
    summary: str  # plain text written by a governor; rendered escaped, blank lines make paragraphs
    meaning: str  # "what this means for municipalities", plain text as well
    source_label: str  # the issuing body, e.g. "Den europeiske menneskerettsdomstolen (EMD)"
    source_date: date | str  # a date or an ISO string ("" when unknown)
    source_url: str  # the signed click link (relay.links.click_url), never the raw source address
    ack_url: str
    ack_deadline: date | str = ""
    urgent: bool = False
    excerpt_html: str = ""  # optional HTML from the source; sanitised with nh3 before it is shown
    original_title: str = ""  # the source's own title ("CASE OF …"), shown as "Originaltittel" in the text


@dataclass(frozen=True)
class SectorSection:
    sector_id: str
    sector_name: str  # already in the recipient's language
    alerts: list[AlertView]


@dataclass(frozen=True)
class DigestContext:
    recipient_name: str
    municipality_name: str
    office_name: str
    period_label: str
    sections: list[SectorSection]
    preferences_url: str
    unsubscribe_url: str


@dataclass(frozen=True)
class AlertContext(DigestContext):
    """An urgent alert: the digest's fields (one section, one alert) plus the alert itself."""

    alert: AlertView | None = None


@dataclass(frozen=True)
class OptinContext:
    """No recipient name: anyone may post the sign-up form, so nothing the visitor typed is mailed."""

    municipality_name: str
    confirm_url: str  # a pending address: the opt-in link
    office_name: str = ""
    preferences_url: str = ""  # an address already in use instead: its own preferences page


@dataclass(frozen=True)
class SigninContext:
    recipient_name: str
    login_url: str
    minutes: int


@dataclass(frozen=True)
class BounceNoticeContext:
    recipient_name: str  # the governor
    office_name: str
    municipality_name: str
    contact_name: str
    contact_email: str
    diagnostic: str  # the last Diagnostic-Code or SMTP reply, verbatim
    bounced_at: datetime | str
    bounce_count: int
    contact_url: str  # the contact's page in Relay


@dataclass(frozen=True)
class OpsAlertContext:
    recipient_name: str
    incident_kind: str  # one of OPS_KINDS
    incident_subject: str  # what it concerns: a source id, a process, a domain
    detail: str
    since: datetime | str
    dashboard_url: str


def as_dict(context: Any) -> dict:
    """A template context from a dataclass (recursively) or a mapping (copied)."""
    if dataclasses.is_dataclass(context) and not isinstance(context, type):
        return dataclasses.asdict(context)
    if isinstance(context, dict):
        return dict(context)
    raise TypeError(f"context must be a dataclass or a dict, not {type(context).__name__}")


def alert_count(sections: list) -> int:
    return sum(len(section["alerts"]) for section in sections)


__all__ = [
    "OPS_KINDS", "AlertView", "SectorSection", "DigestContext", "AlertContext", "OptinContext",
    "SigninContext", "BounceNoticeContext", "OpsAlertContext", "as_dict", "alert_count",
]
