"""User accounts and their roles."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay import audit
from relay.contacts import same_address
from relay.models import ROLES, Contact, Organisation, User


class UserError(Exception):
    pass


def save_user(*, session: Session, email: str, role: str, office_org_number: str | None = None, name: str = "",
              contact_id: int | None = None, actor="system") -> User:
    email = email.strip().lower()
    if "@" not in email or any(c in email for c in " \r\n<>"):
        raise UserError(f"not an e-mail address: {email!r}")
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}")
    office = None
    if role == "governor":
        if not office_org_number:
            raise UserError("a governor needs --office (the office's organisation number)")
        office = session.scalars(select(Organisation).where(
            Organisation.kind.in_(["office", "lansstyrelse"]), Organisation.org_number == office_org_number)).first()
        if office is None:
            raise UserError(f"no office with organisation number {office_org_number}")
    if role == "contact" and contact_id is None:
        # The account opens that contact's own preferences page, so it must know which contact it is.
        contact_id = session.scalars(select(Contact.id).where(same_address(Contact.email, email)).order_by(Contact.id)).first()
        if contact_id is None:
            raise UserError(f"no municipal contact has the address {email}: add the contact first (/contacts)")
    user = session.scalars(select(User).where(User.email == email)).first()
    before = None if user is None else {"role": user.role, "office_id": user.office_id}
    if user is None:
        user = User(email=email)
        session.add(user)
    user.role, user.office_id, user.name = role, office.id if office else None, name or user.name or ""
    user.contact_id = contact_id
    session.flush()
    audit.record(session=session, actor=actor, action="user.save", entity="user", entity_id=user.id,
                 before=before, after={"role": role, "office_id": user.office_id})
    return user
