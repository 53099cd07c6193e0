"""The signed answer link each invitation carries: it names the invitation (and so the municipality and
the mailbox asked) and nothing else; whether the survey is still open is the database's answer."""

from __future__ import annotations

from relay.settings import Settings
from relay.tokens import claim_id, sign, verify

PURPOSE = "survey"
MAX_AGE = 400 * 86400  # longer than any survey stays open; the closing date is enforced on the survey


def answer_url(settings: Settings, *, invitation_id: int) -> str:
    return f"{settings.base_url}/s/{sign(settings.signing_keys(), PURPOSE, {'i': invitation_id})}"


def read_answer_token(settings: Settings, token: str) -> int:
    """The invitation id; raises relay.tokens.TokenError for a forged, expired or
    malformed link."""
    return claim_id(verify(settings.signing_keys(), PURPOSE, token, max_age_seconds=MAX_AGE), "i")
