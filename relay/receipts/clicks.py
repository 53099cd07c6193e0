"""Clicks on the signed source links, with link scanners and bots filtered — and the filtering kept.

A filtered click is still stored, with the reason, so reports can say how many were filtered and why.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from relay.models import Assignment, Message, ReceiptEvent, utcnow
from relay.store.upsert import insert_ignore

SCANNER_AGENTS = re.compile(
    r"bot|crawl|spider|scan|preview|safelinks|barracuda|mimecast|proofpoint|symantec|trendmicro|"
    r"microsoft office|ms-office|outlook-ios|python-requests|curl|wget|headless",
    re.IGNORECASE,
)
TOO_SOON = timedelta(seconds=10)


def filter_reason(*, method: str, user_agent: str, sent_at: datetime | None, now: datetime) -> str | None:
    if method == "HEAD":
        return "head-request"
    if not user_agent.strip():
        return "no-user-agent"
    if SCANNER_AGENTS.search(user_agent):
        return "scanner-agent"
    if sent_at is not None and now - sent_at < TOO_SOON:
        return "too-soon-after-delivery"
    return None


def record_click(*, session: Session, assignment: Assignment, message: Message | None, url: str, method: str,
                 user_agent: str, now: datetime | None = None) -> bool:
    now = now or utcnow()
    reason = filter_reason(method=method, user_agent=user_agent, sent_at=message.sent_at if message else None, now=now)
    url_hash = hashlib.sha256(url.encode()).hexdigest()[:16]
    key = f"clicked:{assignment.id}:{url_hash}" + (f":{reason}" if reason else "")
    return insert_ignore(session, ReceiptEvent, {
        "dedupe_key": key, "kind": "clicked", "occurred_at": now, "message_id": assignment.message_id,
        "alert_id": assignment.alert_id, "contact_id": assignment.contact_id,
        "municipality_id": assignment.municipality_id, "filtered": reason,
        "evidence": {"url": url, "method": method, "user_agent": user_agent[:300]},
    }, ["dedupe_key"])
