"""Explicit acknowledgements ("Mottatt"/"Motteke") per alert and contact, recorded exactly once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay import links
from relay.models import FOLLOW_UPS, Acknowledgement, Alert, Contact, ReceiptEvent, utcnow
from relay.settings import Settings
from relay.store.upsert import insert_ignore


class AckError(Exception):
    pass


def acknowledge(*, session: Session, alert_id: int, contact_id: int, follow_up: str | None = None,
                comment: str | None = None, evidence: dict | None = None,
                now: datetime | None = None) -> tuple[Acknowledgement, bool]:
    """Record the acknowledgement; a repeat (or 1,000 at once) records one. Returns (row, created)."""
    now = now or utcnow()
    if follow_up is not None and follow_up not in FOLLOW_UPS:
        raise AckError(f"unknown follow-up status {follow_up!r}")
    alert, contact = session.get(Alert, alert_id), session.get(Contact, contact_id)
    if alert is None or contact is None:
        raise AckError("the alert or the contact no longer exists")
    created = insert_ignore(session, Acknowledgement, {
        "alert_id": alert_id, "contact_id": contact_id, "municipality_id": contact.municipality_id,
        "acknowledged_at": now, "updated_at": now, "follow_up": follow_up, "comment": (comment or None),
    }, ["alert_id", "contact_id"])
    insert_ignore(session, ReceiptEvent, {
        "dedupe_key": f"acknowledged:{alert_id}:{contact_id}", "kind": "acknowledged", "occurred_at": now,
        "alert_id": alert_id, "contact_id": contact_id, "municipality_id": contact.municipality_id,
        "evidence": evidence or {},
    }, ["dedupe_key"])
    row = session.scalars(
        select(Acknowledgement).where(Acknowledgement.alert_id == alert_id, Acknowledgement.contact_id == contact_id)
    ).one()
    if not created and (follow_up or comment):
        row.follow_up = follow_up or row.follow_up
        row.comment = comment or row.comment
        row.updated_at = now
    return row, created


def expired_ack(settings: Settings, token: str) -> tuple[int, int] | None:
    """(alert id, contact id) of a link whose signature is genuine but whose time ran out, so the
    expired page can name the office to contact; None for anything else."""
    from relay.tokens import TokenError, claim_id, expired_payload

    data = expired_payload(settings.signing_keys(), links.ACK, token, max_age_seconds=links.ack_max_age(settings))
    try:
        return (claim_id(data, "a"), claim_id(data, "c")) if data else None
    except TokenError:
        return None
