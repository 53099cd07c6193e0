"""Jinja2 for pages: the language of the request, the translator, the CSRF token, the signed-in user
and the menu that user may follow."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup, escape
from starlette.datastructures import QueryParams
from starlette.responses import HTMLResponse
from starlette.routing import Match

from relay.dates import show_date, show_moment, show_month
from relay.i18n import translator
from relay.mail.sender import municipality_name
from relay.settings import home
from relay.web.access import admits, role_of
from relay.web.banners import banner_for
from relay.web.csrf import csrf_token

LANGUAGE_COOKIE = "relay_lang"
WEB_LANGUAGES = ("nb", "nn", "en")  # the web UI of the Norwegian profile
# The languages each profile's pages offer: a länsstyrelse's staff and contacts read Swedish (or English),
# never bokmål or nynorsk, and the Norwegian profile has no Swedish users.
PROFILE_LANGUAGES = {"no": WEB_LANGUAGES, "se": ("sv", "en")}

# The main menu: (route name, label). A role sees an entry only when the policy table admits it to that
# route, so the menu and the access rules cannot disagree (no role lists in templates).
MENU = (
    ("offices", "web.nav.offices"),
    ("queue", "queue.nav.queue"),
    ("alerts", "web.nav.alerts"),
    ("contacts", "web.nav.contacts"),
    ("coverage", "web.nav.coverage"),
    ("reports", "web.nav.reports"),
    ("surveys", "survey.title"),
    ("sources", "admin.nav.sources"),
    ("audit", "admin.nav.audit"),
    ("raw_reports", "admin.nav.raw_reports"),
    ("admin_incidents", "admin.nav.incidents"),
    ("tokens", "admin.nav.tokens"),
)


def web_languages(profile: str) -> tuple[str, ...]:
    return PROFILE_LANGUAGES.get(profile, WEB_LANGUAGES)


def request_language(request: Request) -> str:
    """?lang= wins (and is remembered by a cookie set in the middleware), then the cookie, then the default;
    only a language the profile's pages offer."""
    settings = request.app.state.settings
    offered = web_languages(settings.profile)
    for asked in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if asked in offered:
            return asked
    return settings.default_language


def http_url(value) -> str:
    """A link from a source, or "" when it is not plain http(s): a feed may carry `javascript:` or `data:`
    links, and the CSP is the second line of defence, not the first."""
    url = str(value or "").strip()
    return url if url.lower().startswith(("https://", "http://")) and not any(c.isspace() for c in url) else ""


def local_moment(value: datetime, zone: str, *, seconds: bool = False, lang: str = "nb") -> Markup:
    """A stored time as the office's clock shows it (relay.dates: 07.12.2026 kl. 23:14), in a <time>
    element that keeps the exact instant. Stored times are UTC; SQLite hands them back naive."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    instant = aware.astimezone(UTC).isoformat(timespec="seconds")
    shown = show_moment(aware, lang, zone, seconds=seconds)
    return Markup('<time datetime="{}">{}</time>').format(escape(instant), shown)


@pass_context
def _local_time(ctx, value, seconds: bool = False):
    if not value:
        return ""
    return local_moment(value, ctx["settings"].timezone, seconds=seconds, lang=ctx.get("lang", "nb"))


@pass_context
def _moment_text(ctx, value):
    """The same time as plain text, for a sentence built by t() (which would escape a <time> element)."""
    return show_moment(value, ctx.get("lang", "nb"), ctx["settings"].timezone) if value else ""


@pass_context
def _local_date(ctx, value):
    """A calendar date (an item's date, a deadline) in the page language's one format."""
    if not value:
        return ""
    return Markup('<time datetime="{}">{}</time>').format(value.isoformat()[:10], show_date(value, ctx.get("lang", "nb")))


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(home() / "templates" / "web"))
    templates.env.globals["languages"] = WEB_LANGUAGES
    templates.env.filters["http_url"] = http_url
    templates.env.filters["local_time"] = _local_time
    templates.env.filters["local_date"] = _local_date
    templates.env.filters["moment_text"] = _moment_text
    # A municipality as the register names it ("Guovdageaidnu - Kautokeino"), as mail does.
    templates.env.filters["official_name"] = lambda org: municipality_name(org) if org is not None else ""
    templates.env.filters["month_text"] = pass_context(lambda ctx, v: show_month(v, ctx.get("lang", "nb")))
    templates.env.filters["date_text"] = pass_context(lambda ctx, v: show_date(v, ctx.get("lang", "nb")))
    return templates


def menu_for(request: Request, user) -> list[dict[str, str]]:
    """The menu entries this user may follow: href, label key and route name."""
    role = role_of(user)
    entries = [{"name": name, "href": request.app.url_path_for(name), "label": label}
               for name, label in MENU if admits(role, name)]
    if role == "contact" and user.contact_id and admits(role, "preferences"):
        # A contact's subscriptions live behind a signed link (the one its e-mails carry); make a fresh one.
        from relay import links

        url = links.preferences_url(request.app.state.settings, contact_id=user.contact_id)
        entries.append({"name": "preferences", "href": url, "label": "web.nav.preferences"})
    return entries


def language_links(request: Request) -> list[dict[str, str]]:
    """The same page in each web language: the current query is kept, only ?lang= changes.

    A page that answers a form (its errors shown) may have no address of its own to load again: a
    GET of /queue/6/approve is "method not allowed". Its links lead to the page the form came from."""
    path, query = request.url.path, request.query_params
    if request.method != "GET" and not _loads_with_get(request, path):
        path, query = _form_page(request)
    params = [(k, v) for k, v in query.multi_items() if k != "lang"]
    return [{"code": code, "href": f"{path}?{urlencode([*params, ('lang', code)])}"}
            for code in web_languages(request.app.state.settings.profile)]


def _loads_with_get(request: Request, path: str) -> bool:
    scope = {"type": "http", "path": path, "method": "GET"}
    return any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes)


def _form_page(request: Request) -> tuple[str, QueryParams]:
    """The same-site page named by Referer, or the front page."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc in ("", request.url.netloc) and referer.path.startswith("/") \
            and not referer.path.startswith("//") and _loads_with_get(request, referer.path):
        return referer.path, QueryParams(referer.query)
    return "/", QueryParams("")


def render(request: Request, template: str, context: dict | None = None, *, status_code: int = 200) -> HTMLResponse:
    language = request_language(request)
    user = getattr(request.state, "user", None)
    role = role_of(user)
    values = {
        "request": request,
        "lang": language,
        "t": translator(language),
        "csrf_token": csrf_token(request),
        "user": user,
        "settings": request.app.state.settings,
        "menu": menu_for(request, user),
        "language_links": language_links(request),
        "may": lambda route_name: admits(role, route_name),
    }
    values["banner"] = banner_for(request, values["t"], language)
    values.update(context or {})
    return request.app.state.templates.TemplateResponse(request, template, values, status_code=status_code)
