"""User accounts and their roles."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay import audit
from relay.contacts import same_address
from relay.models import ROLES, Contact, Organisation, User


class UserError(Exception):
    pass


OFFICE_KINDS = ("office", "lansstyrelse")


def _area(name: str) -> str:
    """"Statsforvaltaren i Vestland" → "vestland"; "Länsstyrelsen i Stockholms län" → "stockholms län"."""
    return name.partition(" i ")[2].casefold() or name.casefold()


def find_office(*, session: Session, wanted: str) -> Organisation:
    """The Statsforvalter office or länsstyrelse named by organisation number, code or name.

    A name may be the whole name in either standard ("Statsforvalteren i Vestland", "Statsforvaltaren
    i Vestland") or the area it serves ("Vestland", "Stockholms län", "Stockholm"). Anything else, or a
    name that fits several, raises UserError listing the valid ones, so the operator can copy one."""
    offices = session.scalars(select(Organisation).where(Organisation.kind.in_(OFFICE_KINDS))).all()
    text = " ".join(wanted.split())
    key = text.casefold().replace("statsforvaltaren", "statsforvalteren")
    found = [o for o in offices if text in (o.org_number, o.code)] or \
        [o for o in offices if o.name.casefold().replace("statsforvaltaren", "statsforvalteren") == key] or \
        [o for o in offices if _area(o.name) == key] or \
        [o for o in offices if _area(o.name).removesuffix(" län").removesuffix("s") == key.removesuffix("s")]
    if len(found) == 1:
        return found[0]
    listing = "\n".join(f"  {o.org_number or o.code:<10} {o.name}" for o in sorted(offices, key=lambda o: (o.profile, o.name)))
    problem = "fits several offices" if found else "is not an office"
    raise UserError(f"{wanted!r} {problem}; give an organisation number (or a code) or a name:\n{listing}")


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
            raise UserError("a governor needs --office (the office's organisation number or name)")
        office = find_office(session=session, wanted=office_org_number)
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
    if office is not None and office.profile == "se":
        user.language = "sv"  # a länsstyrelse works in Swedish: its sign-in mail and pages
    user.contact_id = contact_id
    session.flush()
    audit.record(session=session, actor=actor, action="user.save", entity="user", entity_id=user.id,
                 before=before, after={"role": role, "office_id": user.office_id})
    return user
