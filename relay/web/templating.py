"""Jinja2 for pages: the language of the request, the translator, the CSRF token and the signed-in user."""

from __future__ import annotations

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from relay.i18n import LANGUAGES, translator
from relay.settings import home
from relay.web.csrf import csrf_token

LANGUAGE_COOKIE = "relay_lang"
WEB_LANGUAGES = ("nb", "nn", "en")  # the web UI; Swedish fixed texts exist for e-mails in the se profile


def request_language(request: Request) -> str:
    """?lang= wins (and is remembered by a cookie set in the middleware), then the cookie, then the default."""
    asked = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if asked in LANGUAGES:
        return asked
    return request.app.state.settings.default_language


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(home() / "templates" / "web"))
    templates.env.globals["languages"] = WEB_LANGUAGES
    return templates


def render(request: Request, template: str, context: dict | None = None, *, status_code: int = 200) -> HTMLResponse:
    language = request_language(request)
    values = {
        "request": request,
        "lang": language,
        "t": translator(language),
        "csrf_token": csrf_token(request),
        "user": getattr(request.state, "user", None),
        "settings": request.app.state.settings,
    }
    values.update(context or {})
    return request.app.state.templates.TemplateResponse(request, template, values, status_code=status_code)
