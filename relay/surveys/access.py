"""Who may do what with a survey (after the route table has admitted the role)."""

from __future__ import annotations

from relay.models import Survey, User


def _asker_kind(survey: Survey) -> str:
    return survey.asked_by.kind if survey.asked_by is not None else ""


def may_manage(user: User, survey: Survey) -> bool:
    """Send and remind: the office or ministry that asked, and administrators."""
    if user.role == "admin":
        return True
    if user.role == "governor":
        return survey.asked_by_id == user.office_id
    if user.role == "ministry":
        return _asker_kind(survey) == "ministry" and user.organisation_id in (None, survey.asked_by_id)
    return False


def may_read(user: User, survey: Survey) -> bool:
    """Results: the ministries and administrators; a governor its own office's surveys and the national ones
    (limited to its municipalities, see office_limit)."""
    if user.role in ("admin", "ministry"):
        return True
    return user.role == "governor" and survey.office_id in (None, user.office_id)


def may_read_text(user: User, survey: Survey) -> bool:
    """Free text is read by whoever asked (personal data handled as for contacts), not by every reader."""
    return may_manage(user, survey)


def office_limit(user: User, survey: Survey) -> int | None:
    """A governor reading another's national survey sees its own municipalities only."""
    return user.office_id if user.role == "governor" and not may_manage(user, survey) else None
