"""Signed, expiring tokens for links in e-mails: sign-in, acknowledgement, unsubscribe, preferences, bounces.

Each purpose has its own salt, so a token made for one purpose never opens another. Keys rotate:
the first key signs, every listed key verifies (Settings.signing_keys).
"""

from __future__ import annotations

import hashlib
import hmac

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenError(Exception):
    """A token that is forged, damaged, made for another purpose, or expired (expired=True)."""

    def __init__(self, message: str, *, expired: bool = False):
        super().__init__(message)
        self.expired = expired


def _serializer(keys: list[str], purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key=keys, salt=f"relay.{purpose}")


def sign(keys: list[str], purpose: str, payload) -> str:
    return _serializer(keys, purpose).dumps(payload)


def verify(keys: list[str], purpose: str, token: str, *, max_age_seconds: int | None):
    try:
        return _serializer(keys, purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise TokenError("the link has expired", expired=True) from exc
    except BadSignature as exc:
        raise TokenError("the link is not valid") from exc


# The largest id a link may name: PostgreSQL's INTEGER, so a signed payload never overflows a query.
MAX_ID = 2**31 - 1


def claim_id(data, key: str) -> int:
    """A positive database id from a verified payload, or TokenError.

    A correct signature says only that Relay (or a holder of its key) made the token, not that its
    payload has the shape today's code expects (an older format, a key used by a tool): anything but a
    plain integer in range is a broken link, never a server error. bool is refused (True is an int).
    """
    value = data.get(key) if isinstance(data, dict) else None
    if type(value) is not int or not 0 < value <= MAX_ID:
        raise TokenError("the link is not valid")
    return value


def claim_str(data, key: str, *, max_length: int = 2000) -> str:
    """A non-empty string of at most max_length characters from a verified payload, or TokenError."""
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise TokenError("the link is not valid")
    return value


def claim_str_list(data, key: str, *, max_items: int = 100) -> list[str] | None:
    """A list of short strings, or None when the key holds null; TokenError for anything else."""
    if not isinstance(data, dict):
        raise TokenError("the link is not valid")
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > max_items or not all(
            isinstance(v, str) and 0 < len(v) <= 100 for v in value):
        raise TokenError("the link is not valid")
    return value


def expired_payload(keys: list[str], purpose: str, token: str, *, max_age_seconds: int):
    """The payload of a genuine token that is older than max_age_seconds (so a page can say whom to
    ask for a new link); None for a valid, forged or damaged token.

    itsdangerous raises SignatureExpired only after the signature checked out, so a forged token
    never yields a payload here.
    """
    serializer = _serializer(keys, purpose)
    try:
        serializer.loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        if exc.payload is None:
            return None
        try:
            return serializer.load_payload(exc.payload)
        except BadSignature:
            return None
    except BadSignature:
        return None
    return None


def short_mac(keys: list[str], purpose: str, value: str, length: int = 16) -> str:
    """A short HMAC for places where a full token is too long (the local part of a bounce address)."""
    digest = hmac.new(keys[0].encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()
    return digest[:length]


def check_short_mac(keys: list[str], purpose: str, value: str, mac: str) -> bool:
    return any(
        hmac.compare_digest(
            hmac.new(k.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[: len(mac)], mac
        )
        for k in keys
    )
