"""Who may call which route: one table, checked for every page and API call (fail closed).

Object-level rules (a governor acts only on its own office's items and alerts; a contact only on
its own subscriptions) are checked by `ensure_office` / `ensure_contact` in the handlers, after this
table has admitted the role.
"""

from __future__ import annotations

from fastapi import HTTPException, Request

from relay.models import User

PUBLIC = frozenset({"anonymous", "admin", "ministry", "governor", "contact"})
SIGNED_IN = frozenset({"admin", "ministry", "governor", "contact"})
READERS = frozenset({"admin", "ministry", "governor"})  # reports and registers
CURATORS = frozenset({"admin", "governor"})
ADMIN = frozenset({"admin"})


def policy() -> dict[str, frozenset[str]]:
    """Route name → roles admitted, gathered from every page module's ACCESS table.

    A route missing from the table is refused for everyone (fail closed; test_access checks that
    every route is listed)."""
    from relay.web.routes import MODULES

    table: dict[str, frozenset[str]] = {"static": PUBLIC}
    for module in MODULES:
        for name, roles in module.ACCESS.items():
            if name in table:
                raise RuntimeError(f"route name {name!r} is declared twice")
            table[name] = roles
    return table


_POLICY: dict[str, frozenset[str]] | None = None


def current_policy() -> dict[str, frozenset[str]]:
    """The table, built once per process (the modules' ACCESS dicts do not change at run time)."""
    global _POLICY
    if _POLICY is None:
        _POLICY = policy()
    return _POLICY


def admits(role: str, route_name: str) -> bool:
    """Whether the table lets `role` call the route; menus ask this too, so they never offer a refusal."""
    return role in current_policy().get(route_name, frozenset())


class NotSignedIn(Exception):
    """Raised for anonymous users on a protected page; HTML gets a redirect to sign-in, the API a 401."""


def role_of(user: User | None) -> str:
    return user.role if user is not None and user.active else "anonymous"


async def enforce_access(request: Request) -> None:
    route = request.scope.get("route")
    name = getattr(route, "name", None)
    allowed = current_policy().get(name or "", frozenset())
    role = role_of(getattr(request.state, "user", None))
    if role in allowed:
        return
    if role == "anonymous" and allowed:
        raise NotSignedIn()
    raise HTTPException(status_code=403, detail="forbidden")


def ensure_office(user: User, office_id: int) -> None:
    """Governors act only within their own office; admins anywhere; everyone else nowhere."""
    if user.role == "admin":
        return
    if user.role == "governor" and user.office_id == office_id:
        return
    raise HTTPException(status_code=403, detail="forbidden")


def visible_office(user: User) -> int | None:
    """The office a reader is limited to (None: all offices)."""
    return user.office_id if user.role == "governor" else None
