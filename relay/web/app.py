"""The ASGI application: middleware, error pages, and the routers of every page group."""

from __future__ import annotations

import logging
from urllib.parse import quote, urlencode, urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware

from relay import __version__
from relay.auth import user_from_cookie
from relay.db import get_engine, transaction
from relay.ops.metrics import MetricsMiddleware
from relay.settings import Settings, get_settings
from relay.web.access import NotSignedIn, enforce_access
from relay.web.csrf import CSRF_COOKIE, CSRF_REFUSED, csrf_protect
from relay.web.pages.public.login import safe_next
from relay.web.templating import LANGUAGE_COOKIE, make_templates, render, web_languages

log = logging.getLogger("relay.web")
SESSION_COOKIE = "relay_session"

SECURITY_HEADERS = {
    # No inline script anywhere; styles only from our own static folder.
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
# A page for a signed-in user, or one opened by a signed link, must not come back from the browser's
# cache (Back after sign-out, a shared computer): its addresses and tokens are someone's.
NO_STORE = "no-store"


def route_template(request: Request) -> str:
    """The matched route's path template ("/a/{token}"), never the concrete path: signed links carry
    their token in the path, and a token in a log is a working key for whoever reads the log."""
    route = request.scope.get("route")
    return getattr(route, "path_format", None) or getattr(route, "path", None) or "(no route)"


def _carries_signed_token(request: Request) -> bool:
    return "{token}" in route_template(request)


class RequestContext(BaseHTTPMiddleware):
    """Loads the signed-in user, then sets the cookies and headers every response carries."""

    async def dispatch(self, request: Request, call_next):
        settings: Settings = request.app.state.settings
        request.state.user = None
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            with transaction(request.app.state.engine) as session:
                request.state.user = user_from_cookie(session=session, settings=settings, value=cookie)
        response = await call_next(request)
        secure = settings.base_url.startswith("https://")
        new_csrf = getattr(request.state, "new_csrf_cookie", None)
        if new_csrf:
            response.set_cookie(CSRF_COOKIE, new_csrf, httponly=True, samesite="lax", secure=secure)
        asked = request.query_params.get("lang")
        if asked in web_languages(settings.profile):
            response.set_cookie(LANGUAGE_COOKIE, asked, max_age=365 * 86400, samesite="lax", secure=secure)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        static = request.url.path.startswith("/static/")  # the same for everyone: keeps its caching
        private = getattr(request.state, "user", None) is not None or _carries_signed_token(request)
        if private and not static and NO_STORE not in response.headers.get("cache-control", ""):
            response.headers["cache-control"] = NO_STORE
        if secure:
            response.headers.setdefault("strict-transport-security", "max-age=31536000")
        return response


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Relay API", version=__version__,
        description="Human-rights material for municipalities, and proof that it arrived.",
        dependencies=[Depends(enforce_access), Depends(csrf_protect)],
        docs_url="/api/docs", openapi_url="/api/openapi.json", redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine or get_engine(settings.resolved_database_url)
    app.state.templates = make_templates()
    from relay.tagging.model import announce

    announce(settings)  # the sector model is read now, or the log says tagging runs on the rules only
    app.add_middleware(RequestContext)
    # Outermost: times every request (errors included) and answers Prometheus' token scrape.
    app.add_middleware(MetricsMiddleware)
    app.mount("/static", StaticFiles(directory=str(_static_dir())), name="static")
    from relay.web.routes import MODULES

    for module in MODULES:
        app.include_router(module.router)
    _install_error_pages(app)
    return app


def _static_dir():
    from pathlib import Path

    return Path(__file__).parent / "static"


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def _not_signed_in(request: Request, exc: NotSignedIn):
        if _wants_html(request):
            return RedirectResponse(f"/login?{urlencode({'next': _here(request)})}", status_code=303)
        return JSONResponse({"detail": "not signed in"}, status_code=401)

    @app.exception_handler(HTTPException)
    @app.exception_handler(StarletteHTTPException)  # the router's own 404/405 for unknown addresses
    async def _http_error(request: Request, exc: HTTPException):
        if not _wants_html(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        if exc.status_code == 403 and exc.detail == CSRF_REFUSED:
            return render(request, "csrf.html", {"status": 403, "back": _back_link(request)}, status_code=403)
        template = "404.html" if exc.status_code == 404 else "error.html"
        return render(request, template, {"status": exc.status_code, "detail": exc.detail}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = jsonable_errors(exc)
        if _wants_html(request) and any(e["loc"][:1] == ["path"] for e in errors):
            # /queue/abc names no item: the page does not exist (the API keeps its 422 with details).
            return render(request, "404.html", {"status": 404}, status_code=404)
        return _bad_request(request, errors, api_status=422)

    # A number in the path or query that the database cannot hold (SQLite: OverflowError; PostgreSQL:
    # "integer out of range") is the client's mistake, not a crash.
    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, exc: Exception):
        log.info("value out of range", extra={"path": route_template(request)})
        return _bad_request(request, "a value in the request is out of range", api_status=400)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):
        log.exception("unhandled error", extra={"path": route_template(request)})
        if not _wants_html(request):
            return JSONResponse({"detail": "internal error"}, status_code=500)
        return render(request, "error.html", {"status": 500, "detail": "internal"}, status_code=500)


def _here(request: Request) -> str:
    """This page's path and query, encoded, as a sign-in's `next` (a deep link keeps its filters)."""
    query = urlencode(request.query_params.multi_items())
    return quote(request.url.path) + (f"?{query}" if query else "")


def _back_link(request: Request) -> str:
    """Where the form came from when that is this site (path and query only), else the front page."""
    referer = urlsplit(request.headers.get("referer", ""))
    ours = {request.url.netloc, urlsplit(request.app.state.settings.base_url).netloc}
    if referer.scheme not in ("http", "https") or referer.netloc not in ours:
        return "/"
    return safe_next(referer.path + (f"?{referer.query}" if referer.query else "") or "/")


def _bad_request(request: Request, detail, *, api_status: int):
    """The client's mistake: JSON with the detail on the API, the 400 page (form-friendly) elsewhere."""
    if not _wants_html(request):
        return JSONResponse({"detail": detail}, status_code=api_status)
    return render(request, "error.html", {"status": 400, "detail": "invalid"}, status_code=400)


def jsonable_errors(exc: RequestValidationError) -> list[dict]:
    return [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()]
