"""Sign-in by e-mail magic link (signed, single use, expiring) and optional argon2 passwords.

The web layer calls these; so could an OIDC adapter (docs/auth.md): it would look a user up by
e-mail with `get_user_by_email` and then start the same session.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from relay import tokens
from relay.models import LoginToken, User, utcnow
from relay.settings import Settings

MAX_LINKS_PER_QUARTER_HOUR = 5
_hasher = PasswordHasher()


class SignInError(Exception):
    def __init__(self, message: str, *, expired: bool = False):
        super().__init__(message)
        self.expired = expired


def get_user_by_email(*, session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(func.lower(User.email) == email.strip().lower(), User.active)).first()


def create_login_link(*, session: Session, settings: Settings, user: User, now: datetime | None = None) -> str | None:
    """A signed single-use token, or None when this address asked too often (rate limit)."""
    now = now or utcnow()
    recent = session.scalar(
        select(func.count()).select_from(LoginToken)
        .where(LoginToken.user_id == user.id, LoginToken.created_at > now - timedelta(minutes=15))
    )
    if recent >= MAX_LINKS_PER_QUARTER_HOUR:
        return None
    jti = secrets.token_urlsafe(24)
    session.add(LoginToken(jti=jti, user_id=user.id, created_at=now,
                           expires_at=now + timedelta(minutes=settings.login_link_minutes)))
    session.flush()
    return tokens.sign(settings.signing_keys(), "login", {"j": jti})


def redeem_login_link(*, session: Session, settings: Settings, token: str, now: datetime | None = None) -> User:
    """Mark the link used (a conditional update, so two clicks cannot both sign in) and return its user."""
    now = now or utcnow()
    try:
        data = tokens.verify(settings.signing_keys(), "login", token, max_age_seconds=settings.login_link_minutes * 60)
        jti = tokens.claim_str(data, "j", max_length=100)
    except tokens.TokenError as exc:
        raise SignInError(str(exc), expired=exc.expired) from exc
    claimed = session.execute(
        update(LoginToken).where(LoginToken.jti == jti, LoginToken.used_at.is_(None),
                                 LoginToken.expires_at > now).values(used_at=now)
    ).rowcount
    if claimed != 1:
        raise SignInError("the link has already been used or has expired", expired=True)
    row = session.get(LoginToken, jti)
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise SignInError("the account is not active")
    user.last_login_at = now
    return user


def set_password(user: User, password: str) -> None:
    if len(password) < 12:
        raise ValueError("a password must have at least 12 characters")
    user.password_hash = _hasher.hash(password)


def check_password(*, session: Session, email: str, password: str) -> User | None:
    user = get_user_by_email(session=session, email=email)
    if user is None or not user.password_hash:
        _hasher.hash(password)  # spend the same time whether or not the account exists
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return None
    return user


def session_cookie_value(settings: Settings, user: User) -> str:
    """Signed {"u": user id, "v": session version}; the version makes sign-out end the cookie."""
    return tokens.sign(settings.signing_keys(), "session", {"u": user.id, "v": user.session_version or 0})


def user_from_cookie(*, session: Session, settings: Settings, value: str, max_age_hours: int = 12) -> User | None:
    """The signed-in user, or None for a forged, old or ended session (the user signed out since,
    was deactivated, or got another role or office: each raises the user's session version)."""
    try:
        data = tokens.verify(settings.signing_keys(), "session", value, max_age_seconds=max_age_hours * 3600)
        user_id, version = tokens.claim_id(data, "u"), data.get("v", 0)
    except tokens.TokenError:
        return None
    user = session.get(User, user_id)
    if user is None or not user.active or version != (user.session_version or 0):
        return None
    return user


def end_sessions(*, session: Session, user_id: int) -> None:
    """Every session cookie of this user stops working, in every browser (sign-out)."""
    session.execute(update(User).where(User.id == user_id).values(session_version=User.session_version + 1))
