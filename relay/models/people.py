"""Users and roles, sign-in and API tokens, the audit log, process heartbeats and incidents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE

from relay.models.base import Base, JsonType, UtcDateTime, utcnow
from relay.models.register import Organisation

ROLES = ("admin", "ministry", "governor", "contact")


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(10))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))  # governors
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))  # ministry users
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))  # contacts
    password_hash: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2), default="nb")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Carried in the session cookie and compared on every request: raising it ends every session of
    # this user at once (sign-out, deactivation, a new role or office).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    office: Mapped[Organisation | None] = relationship(foreign_keys=[office_id])


def _end_sessions_on_change(target: User, value, oldvalue, initiator) -> None:
    """A session was granted to the user as they were: a new role, office or deactivation ends it."""
    if oldvalue in (NO_VALUE, NEVER_SET) or value == oldvalue:
        return  # a new account, or the same value written again
    target.session_version = (target.session_version or 0) + 1


for _attribute in (User.role, User.office_id, User.active):
    event.listen(_attribute, "set", _end_sessions_on_change, active_history=True)


class LoginToken(Base):
    """A magic link is single use: its jti is marked used in the same transaction that signs in."""

    __tablename__ = "login_token"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the token; the token is shown once
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(320))  # e-mail or "system"/"cli", kept if the user is erased
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(100))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    before: Mapped[dict | None] = mapped_column(JsonType)
    after: Mapped[dict | None] = mapped_column(JsonType)


class Heartbeat(Base):
    """Each process says it is alive; the scheduler leader marks itself."""

    __tablename__ = "heartbeat"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)  # host:pid:role
    role: Mapped[str] = mapped_column(String(20))
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Incident(Base):
    """Persistent trouble (a failing source, an old outbox …): opened once, closed when it ends."""

    __tablename__ = "incident"
    __table_args__ = (UniqueConstraint("kind", "subject", "opened_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    detail: Mapped[str] = mapped_column(Text, default="")
