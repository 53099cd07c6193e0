"""Absolute, signed links that go into e-mails, and the routes that read them back.

Routes (served by relay.web): /a/<token> acknowledgement, /c/<token> click redirect,
/u/<token> unsubscribe (GET page, POST one-click), /p/<token> preferences, /login/<token> sign-in.
Each reader checks the payload's shape (relay.tokens.claim_*): a well-signed but broken payload is an
invalid link (TokenError), never a server error.
"""

from __future__ import annotations

from relay.settings import Settings
from relay.tokens import claim_id, claim_str, claim_str_list, sign, verify

ACK, CLICK, UNSUBSCRIBE, PREFERENCES, LOGIN = "ack", "click", "unsubscribe", "preferences", "login"


def ack_url(settings: Settings, *, alert_id: int, contact_id: int) -> str:
    token = sign(settings.signing_keys(), ACK, {"a": alert_id, "c": contact_id})
    return f"{settings.base_url}/a/{token}"


def ack_max_age(settings: Settings) -> int:
    return settings.ack_link_days * 86400


def read_ack(settings: Settings, token: str) -> tuple[int, int]:
    data = verify(settings.signing_keys(), ACK, token, max_age_seconds=ack_max_age(settings))
    return claim_id(data, "a"), claim_id(data, "c")


def click_url(settings: Settings, *, assignment_id: int, url: str) -> str:
    """The assignment names the alert, the contact and (once sent) the message the link sits in."""
    token = sign(settings.signing_keys(), CLICK, {"s": assignment_id, "u": url})
    return f"{settings.base_url}/c/{token}"


def read_click(settings: Settings, token: str) -> tuple[int, str]:
    # Click links never expire: a link in an old digest must still reach its source.
    data = verify(settings.signing_keys(), CLICK, token, max_age_seconds=None)
    return claim_id(data, "s"), claim_str(data, "u", max_length=16000)  # generous: an old link must still work


def unsubscribe_url(settings: Settings, *, contact_id: int, sectors: list[str] | None) -> str:
    """sectors=None unsubscribes from everything."""
    token = sign(settings.signing_keys(), UNSUBSCRIBE, {"c": contact_id, "s": sectors})
    return f"{settings.base_url}/u/{token}"


def read_unsubscribe(settings: Settings, token: str) -> tuple[int, list[str] | None]:
    # A year, as GOV.UK Notify accepts: people unsubscribe from old mail.
    data = verify(settings.signing_keys(), UNSUBSCRIBE, token, max_age_seconds=366 * 86400)
    return claim_id(data, "c"), claim_str_list(data, "s")


def preferences_url(settings: Settings, *, contact_id: int) -> str:
    token = sign(settings.signing_keys(), PREFERENCES, {"c": contact_id})
    return f"{settings.base_url}/p/{token}"


def read_preferences(settings: Settings, token: str) -> int:
    data = verify(settings.signing_keys(), PREFERENCES, token, max_age_seconds=366 * 86400)
    return claim_id(data, "c")


def confirm_url(settings: Settings, *, contact_id: int) -> str:
    token = sign(settings.signing_keys(), "confirm", {"c": contact_id})
    return f"{settings.base_url}/confirm/{token}"


def read_confirm(settings: Settings, token: str) -> int:
    return claim_id(verify(settings.signing_keys(), "confirm", token, max_age_seconds=7 * 86400), "c")
