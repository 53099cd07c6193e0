"""Sign-in by e-mail magic link. The link opens a confirmation page whose button signs in, so a
mail scanner that follows links cannot spend the single-use token."""

from __future__ import annotations

import time
from collections import defaultdict, deque

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from relay.auth import (
    SignInError,
    create_login_link,
    get_user_by_email,
    redeem_login_link,
    session_cookie_value,
)
from relay.db import transaction
from relay.outgoing import queue_signin_message
from relay.web.access import PUBLIC, SIGNED_IN
from relay.web.templating import render

router = APIRouter()
ACCESS = {"login_form": PUBLIC, "login_request": PUBLIC, "login_confirm_form": PUBLIC,
          "login_confirm": PUBLIC, "logout": SIGNED_IN}
SESSION_COOKIE = "relay_session"
_attempts: dict[str, deque] = defaultdict(deque)  # per client address, in this process
MAX_ATTEMPTS_PER_MINUTE = 10


def _rate_limited(request: Request) -> bool:
    key = request.client.host if request.client else "?"
    now, window = time.monotonic(), _attempts[key]
    while window and window[0] < now - 60:
        window.popleft()
    window.append(now)
    return len(window) > MAX_ATTEMPTS_PER_MINUTE


def _safe_next(target: str | None) -> str:
    """A path on this site only. Browsers read "/\\evil.test" as "//evil.test", and drop tabs and newlines
    inside URLs, so a backslash or a control character makes the target unsafe as well."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse, name="login_form", include_in_schema=False)
def login_form(request: Request, next: str | None = None):
    return render(request, "login.html", {"email": "", "next": _safe_next(next), "errors": {}})


@router.post("/login", response_class=HTMLResponse, name="login_request", include_in_schema=False)
def login_request(request: Request, email: str = Form(""), next: str = Form("/")):
    email = email.strip()
    if "@" not in email or len(email) > 320:
        return render(request, "login.html", {"email": email, "next": _safe_next(next),
                                              "errors": {"email": "invalid"}}, status_code=400)
    if _rate_limited(request):
        return render(request, "login.html", {"email": email, "next": _safe_next(next),
                                              "errors": {"email": "rate_limited"}}, status_code=429)
    settings = request.app.state.settings
    with transaction(request.app.state.engine) as session:
        user = get_user_by_email(session=session, email=email)
        if user is not None:
            token = create_login_link(session=session, settings=settings, user=user)
            if token is not None:
                queue_signin_message(session=session, settings=settings, user=user,
                                     url=f"{settings.base_url}/login/{token}?next={_safe_next(next)}")
    # The same answer whether or not the address has an account.
    return render(request, "login_sent.html", {"email": email})


@router.get("/login/{token}", response_class=HTMLResponse, name="login_confirm_form", include_in_schema=False)
def login_confirm_form(request: Request, token: str, next: str | None = None):
    return render(request, "login_confirm.html", {"token": token, "next": _safe_next(next)})


@router.post("/login/{token}", name="login_confirm", include_in_schema=False)
def login_confirm(request: Request, token: str, next: str = Form("/")):
    settings = request.app.state.settings
    try:
        with transaction(request.app.state.engine) as session:
            user = redeem_login_link(session=session, settings=settings, token=token)
            cookie = session_cookie_value(settings, user)
    except SignInError as exc:
        return render(request, "login.html", {"email": "", "next": "/", "errors": {
            "link": "expired" if exc.expired else "invalid"}}, status_code=400)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="lax",
                        secure=settings.base_url.startswith("https://"), max_age=12 * 3600)
    return response


@router.post("/logout", name="logout", include_in_schema=False)
def logout(request: Request):
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
