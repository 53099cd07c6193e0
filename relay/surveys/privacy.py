"""Survey data is handled as contact data: erasing a contact (or an address) removes its address from
the survey invitations and its name and address from the answers given through them. The answers'
figures stay, so response rates and scores do not change after an erasure."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from relay.models import SurveyAnswer, SurveyInvitation

ERASED = "[erased]"


def erase_from_surveys(*, session: Session, contact_ids: list[int], address: str) -> int:
    """The number of invitations cleared."""
    from relay.ops.privacy import scrub

    conditions = [SurveyInvitation.contact_id.in_(contact_ids)]
    if address:
        conditions.append(func.lower(SurveyInvitation.email) == address)
    invitations = session.scalars(select(SurveyInvitation).where(or_(*conditions))).all()
    ids = [i.id for i in invitations]
    for invitation in invitations:
        invitation.email = None
    for answer in session.scalars(select(SurveyAnswer).where(SurveyAnswer.invitation_id.in_(ids))):
        answer.responder_name = ERASED
        for name in ("useful", "missing", "actions"):
            setattr(answer, name, scrub(getattr(answer, name), address) if address else getattr(answer, name))
    return len(invitations)
