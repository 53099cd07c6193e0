"""The audit log: who changed what, when, with the values before and after."""

from __future__ import annotations

from sqlalchemy.orm import Session

from relay.models import AuditEntry, User


def record(*, session: Session, actor: User | str, action: str, entity: str, entity_id=None,
           before: dict | None = None, after: dict | None = None, office_id: int | None = None) -> AuditEntry:
    entry = AuditEntry(
        actor_user_id=actor.id if isinstance(actor, User) else None,
        actor=actor.email if isinstance(actor, User) else actor,
        action=action, entity=entity, entity_id=None if entity_id is None else str(entity_id),
        before=before, after=after, office_id=office_id,
    )
    session.add(entry)
    return entry
