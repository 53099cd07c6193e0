"""Links from e-mails: the acknowledgement page, the click redirect and the optional open pixel.

No sign-in: the signed token is the authorisation, and it cannot be forged or enumerated. GETs
change nothing beyond recording a click or an image load; only the form POST acknowledges.
"""

from __future__ import annotations

import hashlib
from datetime import UTC
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from relay import links
from relay.db import transaction
from relay.digests.render import language_for
from relay.i18n import translator
from relay.mail.sender import municipality_name, office_name
from relay.models import FOLLOW_UPS, Acknowledgement, Alert, Assignment, Contact, Message, User
from relay.receipts import pixel
from relay.receipts.acks import AckError, acknowledge, expired_ack
from relay.receipts.clicks import record_click
from relay.store.versions import display_url
from relay.tokens import TokenError
from relay.web.access import PUBLIC
from relay.web.templating import render, web_languages

router = APIRouter()
ACCESS = {"ack_form": PUBLIC, "ack_submit": PUBLIC, "click": PUBLIC, "open_pixel": PUBLIC}  # the token authorises


def _ack_context(request: Request, session, alert_id: int, contact_id: int) -> dict:
    alert, contact = session.get(Alert, alert_id), session.get(Contact, contact_id)
    if alert is None or contact is None:
        raise AckError("gone")
    existing = session.query(Acknowledgement).filter_by(alert_id=alert_id, contact_id=contact_id).first()
    # The page speaks the municipality's written standard, as the mail did (språklova § 15: never
    # bokmål to a nynorsk municipality), unless the visitor picked a language with ?lang=.
    asked = request.query_params.get("lang")
    language = asked if asked in web_languages(request.app.state.settings.profile) else language_for(contact)
    # A municipal employee reads the clock on the wall, not UTC (SQLite returns the stored UTC time naive).
    acked_at = existing.acknowledged_at if existing else None
    if acked_at is not None:
        zone = ZoneInfo(request.app.state.settings.timezone)
        acked_at = (acked_at if acked_at.tzinfo else acked_at.replace(tzinfo=UTC)).astimezone(zone)
    # Named as in the mail: the office in the reader's standard, the municipality by its official name.
    return {"alert": alert, "contact": contact, "ack": existing, "follow_ups": FOLLOW_UPS,
            "office_name": office_name(alert.office, language), "municipality_name": municipality_name(contact.municipality),
            "acked_at": acked_at, "lang": language, "t": translator(language),
            "source_url": display_url(session, alert.item)}  # the preferred language version (issue 20)


@router.get("/a/{token}", response_class=HTMLResponse, name="ack_form", include_in_schema=False)
def ack_form(request: Request, token: str):
    settings = request.app.state.settings
    try:
        alert_id, contact_id = links.read_ack(settings, token)
        with transaction(request.app.state.engine) as session:
            context = _ack_context(request, session, alert_id, contact_id)
            return render(request, "ack.html", {**context, "token": token, "done": False})
    except TokenError as exc:
        return _invalid(request, token, exc)
    except AckError:
        return render(request, "ack_invalid.html", {"expired": False}, status_code=404)


def _invalid(request: Request, token: str, exc: TokenError):
    """404 for a forged or damaged link; 410 for an expired one, naming whom to ask instead."""
    if not exc.expired:
        return render(request, "ack_invalid.html", {"expired": False}, status_code=404)
    ids = expired_ack(request.app.state.settings, token)
    with transaction(request.app.state.engine) as session:
        alert = session.get(Alert, ids[0]) if ids else None
        approver = session.get(User, alert.approved_by_user_id) if alert and alert.approved_by_user_id else None
        context = {"expired": True, "alert": alert, "office": alert.office if alert else None,
                   "person": approver if approver is not None and approver.active else None}
        return render(request, "ack_invalid.html", context, status_code=410)


@router.post("/a/{token}", response_class=HTMLResponse, name="ack_submit", include_in_schema=False)
def ack_submit(request: Request, token: str, follow_up: str = Form(""), comment: str = Form("")):
    settings = request.app.state.settings
    try:
        alert_id, contact_id = links.read_ack(settings, token)
    except TokenError as exc:
        return _invalid(request, token, exc)
    if follow_up and follow_up not in FOLLOW_UPS:
        follow_up = ""
    evidence = {"ip": request.client.host if request.client else None,
                "user_agent": request.headers.get("user-agent", "")[:300], "token_sha256": _sha(token)}
    try:
        with transaction(request.app.state.engine) as session:
            acknowledge(session=session, alert_id=alert_id, contact_id=contact_id, follow_up=follow_up or None,
                        comment=comment.strip()[:2000] or None, evidence=evidence)
        with transaction(request.app.state.engine) as session:
            context = _ack_context(request, session, alert_id, contact_id)
            return render(request, "ack.html", {**context, "token": token, "done": True})
    except AckError:
        return render(request, "ack_invalid.html", {"expired": False}, status_code=404)


@router.api_route("/c/{token}", methods=["GET", "HEAD"], name="click", include_in_schema=False)
def click(request: Request, token: str):
    settings = request.app.state.settings
    try:
        assignment_id, url = links.read_click(settings, token)
    except TokenError:
        return render(request, "404.html", {"status": 404}, status_code=404)
    if not url.startswith(("https://", "http://")):
        # Only web links were ever signed; anything else (javascript:, data:) is refused, not followed.
        return render(request, "404.html", {"status": 404}, status_code=404)
    with transaction(request.app.state.engine) as session:
        assignment = session.get(Assignment, assignment_id)
        if assignment is not None:
            message = session.get(Message, assignment.message_id) if assignment.message_id else None
            record_click(session=session, assignment=assignment, message=message, url=url, method=request.method,
                         user_agent=request.headers.get("user-agent", ""))
    return RedirectResponse(url, status_code=302)


@router.get("/o/{token}.gif", name="open_pixel", include_in_schema=False)
def open_pixel(request: Request, token: str):
    """The open-tracking image. Recorded only while receipts.open_pixel is on (switching it off stops
    the tracking of mail already sent); the image is served either way so no mail shows a broken one."""
    settings = request.app.state.settings
    try:
        message_key = pixel.read_pixel(settings, token)
    except TokenError:
        return Response(status_code=404)
    if settings.receipts.open_pixel:
        with transaction(request.app.state.engine) as session:
            pixel.record_image_load(session=session, message_key=message_key,
                                    user_agent=request.headers.get("user-agent", ""))
    return Response(pixel.GIF, media_type="image/gif", headers={"cache-control": "no-store, private"})


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
