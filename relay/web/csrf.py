"""CSRF protection for every form: a random per-browser cookie and an HMAC of it in each form.

The one exemption is the RFC 8058 one-click unsubscribe POST, which mailbox providers send without
cookies; its signed URL is its authentication. JSON API calls authenticated by a bearer token carry
no cookies and need no CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import HTTPException, Request

CSRF_COOKIE = "relay_csrf"
EXEMPT_PREFIXES = ("/u/",)
# The 403's detail that tells the error page to explain an expired or foreign form, not a missing right.
CSRF_REFUSED = "csrf"


def _mac(request: Request, value: str) -> str:
    key = request.app.state.settings.signing_keys()[0].encode()
    return hmac.new(key, f"csrf:{value}".encode(), hashlib.sha256).hexdigest()


def browser_secret(request: Request) -> str:
    """The cookie value, minted for this request if the browser has none (the middleware sets it)."""
    value = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf_cookie", None)
    if not value:
        value = secrets.token_urlsafe(32)
        request.state.new_csrf_cookie = value
    return value


def csrf_token(request: Request) -> str:
    return _mac(request, browser_secret(request))


async def csrf_protect(request: Request) -> None:
    """An app-wide dependency: unsafe methods must carry a valid token (form field or header)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.url.path.startswith(EXEMPT_PREFIXES):
        return
    if request.headers.get("authorization", "").lower().startswith("bearer ") and not request.cookies:
        return
    cookie = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get("x-csrf-token")
    if sent is None and "form" in request.headers.get("content-type", ""):
        sent = (await request.form()).get("csrf_token")
    if not cookie or not sent or not hmac.compare_digest(str(sent), _mac(request, cookie)):
        raise HTTPException(status_code=403, detail=CSRF_REFUSED)
