"""Sign-in by e-mail magic link. The link opens a confirmation page whose button signs in, so a
mail scanner that follows links cannot spend the single-use token."""

from __future__ import annotations

import logging
import time
import unicodedata
from collections import OrderedDict, deque
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.engine import Engine

from relay.auth import (
    SignInError,
    create_login_link,
    end_sessions,
    get_user_by_email,
    redeem_login_link,
    session_cookie_value,
)
from relay.db import transaction
from relay.outgoing import queue_signin_message, signin_mail_key
from relay.settings import Settings
from relay.web.access import PUBLIC, SIGNED_IN
from relay.web.templating import LANGUAGE_COOKIE, render, web_languages

router = APIRouter()
ACCESS = {"login_form": PUBLIC, "login_request": PUBLIC, "login_confirm_form": PUBLIC,
          "login_confirm": PUBLIC, "logout": SIGNED_IN}
SESSION_COOKIE = "relay_session"
# A first line against one noisy client only: the window is per client address and lives in this
# process, so several web processes (or many client addresses) pass it. The limit per account address
# that holds everywhere is relay.outgoing.signin_mail_key, counted in the message table.
_attempts: OrderedDict[str, deque] = OrderedDict()
MAX_ATTEMPTS_PER_MINUTE = 10
MAX_CLIENTS_KEPT = 10_000  # client addresses remembered; the least recently seen go first
MAX_NEXT_LENGTH = 2000
log = logging.getLogger("relay.web")


def _rate_limited(request: Request) -> bool:
    key = request.client.host if request.client else "?"
    now = time.monotonic()
    # Most recently seen last; beyond MAX_CLIENTS_KEPT the least recently seen is forgotten, in constant
    # time, however many addresses ask (an IPv6 prefix holds plenty).
    window = _attempts.pop(key, None) or deque()
    _attempts[key] = window
    while len(_attempts) > MAX_CLIENTS_KEPT:
        _attempts.popitem(last=False)
    while window and window[0] < now - 60:
        window.popleft()
    window.append(now)
    return len(window) > MAX_ATTEMPTS_PER_MINUTE


def safe_next(target: str | None) -> str:
    """A path on this site (with its query), or "/". Browsers read "/\\evil.test" as "//evil.test" and drop
    tabs and newlines inside URLs, so a backslash, whitespace or any control or invisible character
    makes the target unsafe; a scheme or host makes it another site's."""
    if not target or len(target) > MAX_NEXT_LENGTH or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(unicodedata.category(c)[0] in "CZ" for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def sign_in_url(base_url: str, token: str, next_path: str) -> str:
    """The link in the sign-in mail; `next` is encoded, so whatever it holds stays one query value."""
    if next_path == "/":
        return f"{base_url}/login/{token}"
    return f"{base_url}/login/{token}?{urlencode({'next': next_path})}"


def _page_language(request: Request) -> str | None:
    """The language the visitor chose for the page (?lang= or the cookie the language links set)."""
    asked = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    return asked if asked in web_languages(request.app.state.settings.profile) else None


@router.get("/login", response_class=HTMLResponse, name="login_form", include_in_schema=False)
def login_form(request: Request, next: str | None = None):
    return render(request, "login.html", {"email": "", "next": safe_next(next), "errors": {}})


@router.post("/login", response_class=HTMLResponse, name="login_request", include_in_schema=False)
def login_request(request: Request, background: BackgroundTasks, email: str = Form(""), next: str = Form("/")):
    email = email.strip()
    if "@" not in email or len(email) > 320:
        return render(request, "login.html", {"email": email, "next": safe_next(next),
                                              "errors": {"email": "invalid"}}, status_code=400)
    if _rate_limited(request):
        return render(request, "login.html", {"email": email, "next": safe_next(next),
                                              "errors": {"email": "rate_limited"}}, status_code=429)
    # Looked up only after the answer is sent (FastAPI runs background tasks then), for every address:
    # the time to answer must not tell a stranger whether the address has an account. The same page,
    # too, whether or not it has one and whatever happened to the mail.
    background.add_task(queue_sign_in_mail, request.app.state.engine, request.app.state.settings,
                        email=email, next_path=safe_next(next), language=_page_language(request))
    return render(request, "login_sent.html", {"email": email})


def queue_sign_in_mail(engine: Engine, settings: Settings, *, email: str, next_path: str,
                       language: str | None) -> None:
    """Queue the link for an active account, within the per-address limit. Runs after the response, so
    whatever happens here is logged, never shown (and must not raise: nobody is left to answer)."""
    try:
        with transaction(engine) as session:
            user = get_user_by_email(session=session, email=email)
            if user is None:
                return
            key = signin_mail_key(session=session, to_address=user.email)
            token = create_login_link(session=session, settings=settings, user=user) if key else None
            if token is None:
                # The user id, never the address or a token: whoever reads the log needs neither.
                log.warning("sign-in mail refused: too many for this address", extra={"user": user.id})
                return
            queue_signin_message(session=session, settings=settings, user=user, key=key, language=language,
                                 url=sign_in_url(settings.base_url, token, next_path))
    except Exception as exc:
        # Not log.exception: the traceback of a refused link would carry the start of the token.
        log.error("sign-in mail not queued", extra={"error": type(exc).__name__})


@router.get("/login/{token}", response_class=HTMLResponse, name="login_confirm_form", include_in_schema=False)
def login_confirm_form(request: Request, token: str, next: str | None = None):
    return render(request, "login_confirm.html", {"token": token, "next": safe_next(next)})


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
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="lax",
                        secure=settings.base_url.startswith("https://"), max_age=12 * 3600)
    return response


@router.post("/logout", name="logout", include_in_schema=False)
def logout(request: Request):
    """Ends this user's sessions everywhere, not just here: a copied or left-behind cookie dies too."""
    with transaction(request.app.state.engine) as session:
        end_sessions(session=session, user_id=request.state.user.id)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
