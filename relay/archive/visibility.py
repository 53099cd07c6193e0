"""Who may read an office's alerts in the archive: everyone (the default) or signed-in users only."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from relay.models import Alert, ArchiveOffice, User, utcnow
from relay.models.archive import VISIBILITIES


def visibility_of(session: Session, office_id: int) -> str:
    row = session.get(ArchiveOffice, office_id)
    return row.visibility if row is not None else "public"


def save_visibility(*, session: Session, office_id: int, visibility: str, actor: User | None) -> bool:
    """Set the office's choice; returns whether it changed. An unknown value is refused, not guessed."""
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {VISIBILITIES}, not {visibility!r}")
    row = session.get(ArchiveOffice, office_id)
    if row is None:
        row = ArchiveOffice(office_id=office_id, visibility="public")
        session.add(row)
    changed = row.visibility != visibility
    row.visibility, row.updated_at = visibility, utcnow()
    row.updated_by_user_id = actor.id if actor is not None else None
    session.flush()
    return changed


def readable(*, signed_in: bool) -> ColumnElement[bool]:
    """A condition on Alert: published and not withdrawn, and (for a reader not signed in) from an office
    that publishes to everyone."""
    condition = Alert.status == "active"
    if signed_in:
        return condition
    closed = select(ArchiveOffice.office_id).where(ArchiveOffice.visibility != "public")
    return condition & Alert.office_id.not_in(closed)
