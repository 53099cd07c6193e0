"""Pages reached from e-mails without a password (signed links): preferences, unsubscribe (with
RFC 8058 one-click), and self sign-up with double opt-in limited to the municipality's domains."""

from __future__ import annotations

import hashlib
import logging

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from relay import links
from relay.contacts import (
    ContactError,
    confirm_contact,
    save_contact,
    signup_mail_key,
    unsubscribe,
    update_preferences,
)
from relay.db import transaction
from relay.delivery.outbox import enqueue
from relay.digests.render import language_for
from relay.i18n import translator
from relay.mail.compose import build_message
from relay.mail.sender import municipality_name, office_name
from relay.models import FREQUENCIES, Contact, Organisation
from relay.ops.metrics import BACKGROUND_FAILURES
from relay.sectors import sector_names
from relay.standards import contact_language, message_language
from relay.tokens import TokenError
from relay.web.access import PUBLIC
from relay.web.templating import render, request_language, web_languages

router = APIRouter()
log = logging.getLogger("relay.web")
ACCESS = {name: PUBLIC for name in (
    "preferences", "preferences_save", "unsubscribe_page", "unsubscribe_post", "signup_form", "signup",
    "confirm_form", "confirm",
)}  # the signed token (or, for sign-up, the opt-in mail) is the authorisation


def _invalid(request: Request, exc: TokenError):
    return render(request, "link_invalid.html", {"expired": exc.expired}, status_code=410 if exc.expired else 404)


def _speak_as_mail(request: Request, contact: Contact | None) -> dict:
    """These pages are opened from a mail, so they speak the mail's language (a nynorsk municipality is
    never answered in bokmål, språklova § 15), unless the visitor picked one with ?lang=."""
    asked = request.query_params.get("lang")
    if asked in web_languages(request.app.state.settings.profile) or contact is None:
        language = request_language(request)
    else:
        language = language_for(contact)
    return {"lang": language, "t": translator(language)}


def _prefs_context(request, contact: Contact, errors=None, saved=False, typed=None):
    """`typed`: the refused form's choices (sector → frequency or None) and language, shown again as sent."""
    speech = _speak_as_mail(request, contact)
    names = sector_names(speech["lang"])
    current = {s.sector: s.frequency for s in contact.subscriptions if s.active}
    # The standard the mails use now, so an unchanged save keeps it (contact.language may be unset).
    language = contact_language(contact)
    if typed is not None:
        current = {s: f for s, f in typed["choices"].items() if f}
        language = typed["language"] or language
    return {"contact": contact, "sectors": names, "current": current, "frequencies": FREQUENCIES,
            "neutral": contact.municipality.malform == "noytral", "errors": errors or {}, "saved": saved,
            "language": language, **speech}


@router.get("/p/{token}", response_class=HTMLResponse, name="preferences", include_in_schema=False)
def preferences(request: Request, token: str):
    try:
        contact_id = links.read_preferences(request.app.state.settings, token)
    except TokenError as exc:
        return _invalid(request, exc)
    with transaction(request.app.state.engine) as session:
        contact = session.get(Contact, contact_id)
        if contact is None or contact.status == "erased":
            return render(request, "link_invalid.html", {"expired": False}, status_code=404)
        return render(request, "preferences.html", {**_prefs_context(request, contact), "token": token})


@router.post("/p/{token}", response_class=HTMLResponse, name="preferences_save", include_in_schema=False)
async def preferences_save(request: Request, token: str):
    try:
        contact_id = links.read_preferences(request.app.state.settings, token)
    except TokenError as exc:
        return _invalid(request, exc)
    form = await request.form()
    names = sector_names("nb")
    choices = {s: (form.get(f"freq-{s}") or None) for s in names}
    choices = {s: (None if f == "none" else f) for s, f in choices.items()}
    with transaction(request.app.state.engine) as session:
        contact = session.get(Contact, contact_id)
        if contact is None or contact.status == "erased":  # a well-signed link to someone no longer here
            return render(request, "link_invalid.html", {"expired": False}, status_code=404)
        try:
            update_preferences(session=session, contact=contact, choices=choices, language=form.get("language"),
                               known_sectors=set(names))
        except ContactError as exc:
            session.rollback()
            typed = {"choices": choices, "language": form.get("language")}
            context = _prefs_context(request, contact, {exc.field: str(exc)}, typed=typed)
            return render(request, "preferences.html", {**context, "token": token}, status_code=400)
        return render(request, "preferences.html", {**_prefs_context(request, contact, saved=True), "token": token})


@router.get("/u/{token}", response_class=HTMLResponse, name="unsubscribe_page", include_in_schema=False)
def unsubscribe_page(request: Request, token: str):
    """A GET only shows the choice: link scanners follow GETs, and must not unsubscribe anyone."""
    try:
        contact_id, sectors = links.read_unsubscribe(request.app.state.settings, token)
    except TokenError as exc:
        return _invalid(request, exc)
    with transaction(request.app.state.engine) as session:
        speech = _speak_as_mail(request, session.get(Contact, contact_id))
    names = sector_names(speech["lang"])
    return render(request, "unsubscribe.html", {"token": token, "scope": [names.get(s, s) for s in sectors or []],
                                                "done": False, "contact_id": contact_id, **speech})


@router.post("/u/{token}", response_class=HTMLResponse, name="unsubscribe_post", include_in_schema=False)
async def unsubscribe_post(request: Request, token: str):
    """RFC 8058: the mailbox provider POSTs `List-Unsubscribe=One-Click` with no cookies. The page's
    own button posts `scope=all` or `scope=listed`."""
    try:
        contact_id, sectors = links.read_unsubscribe(request.app.state.settings, token)
    except TokenError as exc:
        return _invalid(request, exc)
    form = await request.form()
    one_click = form.get("List-Unsubscribe") == "One-Click"
    scope = None if form.get("scope") == "all" else sectors
    with transaction(request.app.state.engine) as session:
        try:
            unsubscribe(session=session, contact_id=contact_id, sectors=scope, token=token,
                        channel="one-click" if one_click else "page")
        except ContactError:
            return render(request, "link_invalid.html", {"expired": False}, status_code=404)
        speech = _speak_as_mail(request, session.get(Contact, contact_id))
    names = sector_names(speech["lang"])
    return render(request, "unsubscribe.html", {**speech, "token": token, "done": True, "all": scope is None,
                                                "scope": [names.get(s, s) for s in sectors or []],
                                                "preferences_url": links.preferences_url(request.app.state.settings,
                                                                                         contact_id=contact_id)})


def _signup_context(request, session, values=None, errors=None):
    municipalities = session.scalars(select(Organisation).where(
        Organisation.kind.in_(["municipality", "kommun"]), Organisation.mail_domains.is_not(None),
        Organisation.profile == request.app.state.settings.profile,
        Organisation.mail_domains != "").order_by(Organisation.name).options(selectinload(Organisation.names))).all()
    # Whom to ask when the municipality is not listed (governors open sign-up on /contacts).
    ask = request.app.state.settings.mail.reply_to or ""
    return {"municipalities": municipalities, "sectors": sector_names(request_language(request)),
            "frequencies": FREQUENCIES, "values": values or {"sectors": [], "frequency": "weekly"},
            "errors": errors or {}, "ask_address": ask}


def _mail_language(municipality: Organisation, page_language: str) -> str:
    """The sign-up mails speak the language of the page the visitor used, as language_for() would for a
    contact who chose it (relay.standards.message_language: the municipality's decision binds)."""
    return message_language(municipality, page_language)


def _queue_signup_mail(session, settings, contact: Contact, *, key: str, language: str) -> None:
    """A pending contact gets the opt-in link; a contact already in use (which the form left unchanged)
    gets its own preferences link instead. Only Relay's fixed texts and the municipality's name: the
    visitor's free text (the name field) never reaches a mail sent from Relay's domain."""
    pending = contact.status == "pending"
    context = {"municipality_name": municipality_name(contact.municipality),
               "office_name": office_name(contact.municipality.office, language),
               "confirm_url": links.confirm_url(settings, contact_id=contact.id) if pending else "",
               "preferences_url": "" if pending else links.preferences_url(settings, contact_id=contact.id)}
    composed = build_message("optin", to=contact.email, language=language, settings=settings, message_key=key,
                             context=context)
    enqueue(session=session, purpose_key=key, kind="optin", to_address=contact.email, contact_id=contact.id,
            envelope_from=composed.envelope_from, message=composed.message, subject=composed.subject,
            message_id_header=composed.message_id, deadline_hours=24)


@router.get("/signup", response_class=HTMLResponse, name="signup_form", include_in_schema=False)
def signup_form(request: Request):
    with transaction(request.app.state.engine) as session:
        return render(request, "signup.html", _signup_context(request, session))


@router.post("/signup", response_class=HTMLResponse, name="signup", include_in_schema=False)
async def signup(request: Request, background: BackgroundTasks):
    from relay.contacts import check_domain, checked_name, normalise_email, validate_choices

    form = await request.form()
    values = {"email": str(form.get("email", "")).strip(), "name": str(form.get("name", "")).strip(),
              "municipality": str(form.get("municipality", "")), "sectors": form.getlist("sectors"),
              "frequency": str(form.get("frequency", "weekly"))}
    settings = request.app.state.settings
    language = request_language(request)
    with transaction(request.app.state.engine) as session:
        muni = session.scalars(select(Organisation).where(
            Organisation.profile == settings.profile, Organisation.code == values["municipality"],
            Organisation.kind.in_(["municipality", "kommun"]))).first()
        try:
            if muni is None:
                raise ContactError("choose_municipality", field="municipality")
            check_domain(muni, normalise_email(values["email"]))
            checked_name(values["name"])
            validate_choices(values["sectors"], values["frequency"], set(sector_names("nb")))
        except ContactError as exc:
            return render(request, "signup.html", _signup_context(request, session, values, {exc.field: str(exc)}),
                          status_code=400)
        municipality_id, mail_language = muni.id, _mail_language(muni, language)
    # Everything that depends on whether the address is new, pending or in use happens after the answer
    # (FastAPI runs background tasks then): the same page, in the same time, in every case.
    background.add_task(sign_up_after_answer, request.app.state.engine, settings, municipality_id=municipality_id,
                        values=values, page_language=language, mail_language=mail_language)
    return render(request, "signup_sent.html", {"email": values["email"]})


def sign_up_after_answer(engine, settings, *, municipality_id: int, values: dict, page_language: str,
                         mail_language: str) -> None:
    """Save the pending sign-up and queue its mail (at most one an hour). The form was checked before the
    answer; what fails now is logged, never shown (nobody is left to answer, and a different answer
    would tell whether the address is known)."""
    try:
        with transaction(engine) as session:
            muni = session.get(Organisation, municipality_id)
            contact = save_contact(session=session, municipality=muni, email=values["email"], name=values["name"],
                                   sectors=values["sectors"], frequency=values["frequency"],
                                   known_sectors=set(sector_names("nb")), status="pending", actor="signup",
                                   language=page_language if page_language in ("nb", "nn") else None)
            key = signup_mail_key(session, contact.email)
            if key is not None:
                _queue_signup_mail(session, settings, contact, key=key, language=mail_language)
    except Exception as exc:
        # The class, not the message: a database error's message carries the statement's values (the address).
        log.error("sign-up not saved", extra={"error": type(exc).__name__, "municipality_id": municipality_id})
        BACKGROUND_FAILURES.labels("signup").inc()


@router.get("/confirm/{token}", response_class=HTMLResponse, name="confirm_form", include_in_schema=False)
def confirm_form(request: Request, token: str):
    try:
        contact_id = links.read_confirm(request.app.state.settings, token)
    except TokenError as exc:
        return _invalid(request, exc)
    with transaction(request.app.state.engine) as session:
        contact = session.get(Contact, contact_id)
        if contact is None or contact.status == "erased":
            return render(request, "link_invalid.html", {"expired": False}, status_code=404)
        return render(request, "confirm.html", {"token": token, "done": False, **_confirm_context(request, contact)})


def _confirm_context(request, contact: Contact) -> dict:
    """What confirming starts (or started): anyone may post the sign-up form with this address, and the
    latest sign-up before the confirmation sets the choice, so the owner sees it before saying yes."""
    speech = _speak_as_mail(request, contact)
    names, t = sector_names(speech["lang"]), speech["t"]
    choices = [(names.get(s.sector, s.sector), t(f"web.subs.freq_{s.frequency}"))
               for s in sorted(contact.subscriptions, key=lambda s: list(names).index(s.sector)
                               if s.sector in names else len(names)) if s.active]
    return {"email": contact.email, "municipality": contact.municipality.name, "choices": choices,
            "choice_key": choice_key(contact), **speech}


def choice_key(contact: Contact) -> str:
    """A fingerprint of the active choice, posted back by the confirmation form: a sign-up that changed the
    choice after the page was opened makes the confirmation ask again rather than start what was not shown."""
    active = sorted(f"{s.sector}:{s.frequency}" for s in contact.subscriptions if s.active)
    return hashlib.sha256(" ".join(active).encode()).hexdigest()[:16]


@router.post("/confirm/{token}", response_class=HTMLResponse, name="confirm", include_in_schema=False)
async def confirm(request: Request, token: str):
    try:
        contact_id = links.read_confirm(request.app.state.settings, token)
    except TokenError as exc:
        return _invalid(request, exc)
    shown = (await request.form()).get("choices")
    with transaction(request.app.state.engine) as session:
        contact = session.get(Contact, contact_id)
        if contact is not None and contact.status == "pending" and shown != choice_key(contact):
            return render(request, "confirm.html", {"token": token, "done": False, "changed": True,
                                                    **_confirm_context(request, contact)}, status_code=409)
        try:
            contact = confirm_contact(session=session, contact_id=contact_id)
        except ContactError:
            return render(request, "link_invalid.html", {"expired": False}, status_code=404)
        url = links.preferences_url(request.app.state.settings, contact_id=contact.id)
        return render(request, "confirm.html", {"token": token, "done": True, "preferences_url": url,
                                                **_confirm_context(request, contact)})
