"""Every HTML page of the web UI, derived from the routes, with its ids filled in from a seeded world.

`page_visits()` answers "which URL, as which persona" for every GET route outside /api/ that renders a
page, plus the error pages. A GET route that is neither planned here nor listed in NOT_PAGES with a
reason fails `unplanned_routes()`, so a new page cannot escape the axe and translation scans.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, timedelta

from fastapi.routing import APIRoute
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from relay import links
from relay.db import transaction
from relay.models import ApiToken, Incident, Organisation, RawReport, Source, Survey, SurveyInvitation, utcnow
from relay.surveys.links import answer_url
from relay.web.access import policy
from relay.web.routes import MODULES

# GET routes that answer with something other than a page of the UI, and why.
NOT_PAGES = {
    "healthz": "plain-text probe",
    "readyz": "JSON probe",
    "metrics": "Prometheus text format",
    "click": "a redirect to the source (a bad token renders 404.html, visited below)",
    "open_pixel": "a GIF",
    "audit_csv": "CSV download",
    "report_export": "CSV/XLSX download",
    "report_alert_export": "CSV/XLSX download",
    "report_municipality_export": "CSV/XLSX download",
    "report_annual_pdf": "PDF download",
    "archive_feed_sector": "Atom feed (validated by feedparser in tests/archive)",
    "archive_feed_office": "Atom feed (validated by feedparser in tests/archive)",
    "archive_feed_office_sector": "Atom feed (validated by feedparser in tests/archive)",
    "municipality_overview_export": "CSV/XLSX download",
    "survey_export": "CSV/XLSX download",
    "municipality_overview_pick": "a redirect to /municipalities/<code>/overview (tests/archive)",
    "digest_preview_html": "the e-mail's own HTML, served alone in a sandbox (checked by the mail tests)",
}
# Pages where an administrator acts for one office, chosen with ?office= (governors are held to their own).
OFFICE_QUERY = ("queue", "queue_item")
# Signed-in personas in the order a page is tried; `anonymous` visits every public page as well.
PERSONAS = ("anonymous", "contact", "governor_a", "ministry", "admin")
ROLE = {"anonymous": "anonymous", "contact": "contact", "governor_a": "governor", "ministry": "ministry",
        "admin": "admin"}


@dataclass(frozen=True)
class Visit:
    name: str  # route name, or "error-…" for an error page
    persona: str
    path: str
    status: int = 200


@dataclass
class Seeded:
    source: int
    token: int
    raw_report: int
    incident: int
    survey: int = 0
    invitation: int = 0


def seed_pages(engine, world) -> Seeded:
    """What the id-bearing pages need beyond the base world: an admin-added RSS source, an API token,
    a raw DSN, an incident, and a municipality that accepts self sign-up."""
    with transaction(engine) as s:
        voss = s.get(Organisation, world.munis_a[0])
        voss.mail_domains, voss.fallback_email = "voss.kommune.no", "postmottak@voss.kommune.no"
        source = Source(key="nim-nyheter", kind="rss", name="NIM nyheter", url="https://www.nhri.no/feed/",
                        params={}, origin="admin", interval_minutes=360, next_check_at=utcnow())
        s.add(source)
        token = ApiToken(user_id=world.users["admin"], name="rapportuttrekk", token_hash="0" * 64)
        s.add(token)
        report = RawReport(channel="smtp", kind="dsn", fingerprint="f" * 64, error=None,
                           raw=b"From: MAILER-DAEMON@mx.test\r\nSubject: Undelivered\r\n\r\n<b>not markup</b>\r\n",
                           parsed={"recipients": [{"recipient": "kari@voss.kommune.no", "action": "failed",
                                                   "status": "5.1.1", "diagnostic": "user unknown"}],
                                   "reporting_mta": "mx.voss.kommune.no"})
        s.add(report)
        incident = Incident(kind="source", subject="nim-nyheter", detail="HTTP 503 for 3 hours")
        s.add(incident)
        survey = Survey(title="Får kommunen nok informasjon?", asked_by_id=world.office_a, office_id=world.office_a,
                        sectors=["child-welfare"], opens_on=date.today(), closes_on=date.today() + timedelta(days=30),
                        state="open")
        s.add(survey)
        s.flush()
        invitation = SurveyInvitation(survey_id=survey.id, municipality_id=voss.id, email="postmottak@voss.kommune.no",
                                      language="nn")
        s.add(invitation)
        s.flush()
        return Seeded(source.id, token.id, report.id, incident.id, survey.id, invitation.id)


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def expired_ack_path(settings, world) -> str:
    """An acknowledgement link signed long before ack_link_days: the 410 page that names the office."""

    class LongAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - (settings.ack_link_days + 30) * 86400

    serializer = URLSafeTimedSerializer(settings.signing_keys(), salt=f"relay.{links.ACK}", signer=LongAgo)
    return "/a/" + serializer.dumps({"a": world.alert_a, "c": world.contact})


def _values(settings, world, seeded: Seeded) -> dict[str, dict[str, str] | str]:
    """Path parameter → value; `token` depends on the route."""
    return {
        "item_id": str(world.item), "alert_id": str(world.alert_a), "contact_id": str(world.contact),
        "code": "4621", "year": str(date.today().year), "source_id": str(seeded.source),
        "report_id": str(seeded.raw_report), "token_id": str(seeded.token),
        "survey_id": str(seeded.survey),
        "token": {
            "login_confirm_form": "a-sign-in-token-from-the-mail",
            "ack_form": _path(links.ack_url(settings, alert_id=world.alert_a, contact_id=world.contact)),
            "preferences": _path(links.preferences_url(settings, contact_id=world.contact)),
            "unsubscribe_page": _path(links.unsubscribe_url(settings, contact_id=world.contact,
                                                            sectors=["child-welfare"])),
            "confirm_form": _path(links.confirm_url(settings, contact_id=world.contact)),
            "survey_answer_form": _path(answer_url(settings, invitation_id=seeded.invitation)),
        },
    }


def get_routes() -> list[APIRoute]:
    """GET routes of the UI (the JSON API under /api/ is covered by the schema fuzz instead)."""
    return [r for m in MODULES for r in m.router.routes
            if isinstance(r, APIRoute) and "GET" in r.methods and not r.path.startswith("/api/")]


def _fill(route: APIRoute, values: dict) -> str:
    token = values["token"].get(route.name, "x")
    if token.startswith("/"):
        return token  # a signed link: the whole path comes from relay.links

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "token":
            return token
        if name not in values:
            raise KeyError(f"{route.name} {route.path}: add a value for {{{name}}} to tests/web/pages.py")
        return values[name]

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, route.path)


def page_visits(settings, world, seeded: Seeded) -> list[Visit]:
    """Each page as every persona the policy admits, then the error pages."""
    table, values, visits = policy(), _values(settings, world, seeded), []
    for route in get_routes():
        if route.name in NOT_PAGES:
            continue
        path = _fill(route, values)
        if route.name in OFFICE_QUERY:
            path += f"?office={world.office_a}"
        for persona in PERSONAS:
            if ROLE[persona] in table[route.name]:
                visits.append(Visit(route.name, persona, path))
    visits += [
        Visit("error-404", "admin", "/admin/raw-reports/999999", 404),
        Visit("error-404", "anonymous", "/confirm/forged-link", 404),
        Visit("error-403", "contact", "/queue", 403),
        Visit("error-403", "governor_a", "/admin/sources", 403),
        Visit("error-404-bad-id", "governor_a", "/alerts/not-a-number", 404),
        Visit("error-ack-expired", "anonymous", expired_ack_path(settings, world), 410),
        Visit("error-link-invalid", "anonymous", "/p/forged-link", 404),
        Visit("error-click-invalid", "anonymous", "/c/forged-link", 404),
    ]
    return visits


def unplanned_routes(visits: list[Visit]) -> list[str]:
    planned = {v.name for v in visits} | set(NOT_PAGES)
    return [f"{r.name} {r.path}" for r in get_routes() if r.name not in planned]
