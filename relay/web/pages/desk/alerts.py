"""The office's decisions: approve an item into an alert (with a nynorsk draft from Apertium), reject
it, approve or reject in bulk, change its sectors; then view and edit the alert's texts."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import object_session, selectinload

from relay import audit, nynorsk
from relay.alert_texts import StandardMissing
from relay.alert_titles import alert_title
from relay.curation import AlertDraft, CurationError, approve_item, reject_item, update_alert_texts, validate
from relay.dates import parse_date
from relay.db import transaction
from relay.documents.chosen import choose_paragraphs, chosen_paragraphs
from relay.mail.sender import municipality_name
from relay.models import Alert, Item, Organisation, User
from relay.register_queries import collation_key
from relay.sectors import sector_names
from relay.store.entry_view import paragraphs, paragraphs_by_sector
from relay.store.versions import display_url, entry_of
from relay.web.access import CURATORS, READERS, ensure_office
from relay.web.api_models import Id, small_int
from relay.web.pages.desk.queue import get_item, item_page, office_for
from relay.web.templating import render, request_language

router = APIRouter()
ACCESS = {"queue_approve": CURATORS, "queue_draft_nn": CURATORS, "queue_reject": CURATORS,
          "queue_bulk": CURATORS, "queue_tag": CURATORS, "alerts": READERS, "alert_view": READERS,
          "alert_edit": CURATORS}
ALERT_LIST_SIZE = 200
NO_SECTOR_LISTED = 20  # entries a bulk approval names as refused for want of a sector
TEXTS = ("title_nb", "summary_nb", "meaning_nb", "title_nn", "summary_nn", "meaning_nn")


def _typed(form) -> dict:
    """Everything the user typed, as typed, so a re-rendered form loses nothing."""
    values = {name: str(form.get(name, "")) for name in (*TEXTS, "priority", "ack_deadline", "nynorsk_origin")}
    if values["nynorsk_origin"] not in ("apertium", "manual"):
        values["nynorsk_origin"] = "manual"  # "machine" is Relay's to set, at approval
    values["sectors"] = [str(s) for s in form.getlist("sectors")]
    # The form always sends municipalities_listed; a client that leaves the list out means the whole region.
    listed = form.get("municipalities_listed") == "1" or "municipalities" in form
    values["municipalities"] = [str(m) for m in form.getlist("municipalities")] if listed else None
    # A document's paragraph boxes (issue 20): the form marks that it listed them, so a re-rendered form
    # ticks exactly what the governor ticked (none included), not every paragraph again.
    chosen = [small_int(v) for v in form.getlist("paragraph_ids")]
    values["paragraph_ids"] = ({v for v in chosen if v is not None}
                               if form.get("paragraphs_listed") == "1" or "paragraph_ids" in form else None)
    return values


def _draft(values: dict) -> tuple[AlertDraft, dict[str, str]]:
    errors: dict[str, str] = {}
    deadline = None
    if values["ack_deadline"]:
        try:
            deadline = date.fromisoformat(values["ack_deadline"])
        except ValueError:  # the form's hint says dd.mm.åååå
            deadline = parse_date(values["ack_deadline"])
            if deadline is None:
                errors["ack_deadline"] = "invalid_date"
    munis = values["municipalities"]
    if munis is not None and (not munis or None in map(small_int, munis)):
        errors["municipalities"] = "required"
    if not values["sectors"]:
        errors["sectors"] = "required"
    draft = AlertDraft(**{n: values[n] for n in TEXTS}, priority=values["priority"], ack_deadline=deadline,
                       nynorsk_origin="apertium" if values["nynorsk_origin"] == "apertium" else "manual",
                       sectors=values["sectors"],
                       municipality_ids=[int(m) for m in munis] if munis and "municipalities" not in errors else None)
    return draft, errors


def _actor(session, request: Request) -> User:
    return session.get(User, request.state.user.id)


@router.post("/queue/{item_id}/approve", response_class=HTMLResponse, name="queue_approve", include_in_schema=False)
async def queue_approve(request: Request, item_id: Id):
    form = await request.form()
    values = _typed(form)
    with transaction(request.app.state.engine) as session:
        item = get_item(session, item_id)
        office = office_for(request, session, form.get("office"))
        if office is None:
            raise HTTPException(status_code=400, detail="office")
        draft, errors = _draft(values)
        errors = {**validate(draft, set(sector_names("nb"))), **errors}
        if session.scalars(select(Alert.id).where(Alert.item_id == item.id, Alert.office_id == office.id)).first():
            # Approved meanwhile (another tab, a colleague): approving again would keep the first
            # alert and silently drop what was typed here, so say so and show it.
            return item_page(request, session, item, office, values=values, errors={"form": "approved_before"},
                             status_code=409)
        if not errors:
            try:
                alert = approve_item(session=session, item_id=item.id, office_id=office.id, draft=draft,
                                     actor=_actor(session, request))
                choose_paragraphs(session, alert, form.getlist("paragraph_ids"))  # issue 20: a document's paragraphs
                return RedirectResponse(f"/alerts/{alert.id}?notice=approved#notice", status_code=303)
            except StandardMissing as exc:
                # Nothing is approved and nothing typed is lost: the governor writes the texts or retries.
                return item_page(request, session, item, office, values=values, status_code=400,
                                 errors={f"title_{exc.standard}": "required"}, refusal=exc)
            except CurationError as exc:
                errors = {"form": f"curation: {exc}"}
        return item_page(request, session, item, office, values=values, errors=errors, status_code=400)


@router.post("/queue/{item_id}/draft-nn", response_class=HTMLResponse, name="queue_draft_nn",
             include_in_schema=False)
async def queue_draft_nn(request: Request, item_id: Id):
    """Fill the nynorsk fields from the bokmål ones through Apertium; keep everything else as typed."""
    form = await request.form()
    values, notice = _typed(form), "drafted"
    try:
        fields = ("title", "summary", "meaning")
        drafted = dict(zip((f"{n}_nn" for n in fields), nynorsk.draft_many([values[f"{n}_nb"] for n in fields]),
                           strict=True))
        values.update(drafted, nynorsk_origin="apertium")
    except nynorsk.TranslationUnavailable:
        notice = "apertium_missing"
    with transaction(request.app.state.engine) as session:
        item = get_item(session, item_id)
        office = office_for(request, session, form.get("office"))
        if office is None:
            raise HTTPException(status_code=400, detail="office")
        return item_page(request, session, item, office, values=values, notice=notice)


@router.post("/queue/{item_id}/reject", name="queue_reject", include_in_schema=False)
async def queue_reject(request: Request, item_id: Id):
    form = await request.form()
    with transaction(request.app.state.engine) as session:
        item = get_item(session, item_id)
        office = office_for(request, session, form.get("office"))
        if office is None:
            raise HTTPException(status_code=400, detail="office")
        try:
            reject_item(session=session, item_id=item.id, office_id=office.id, actor=_actor(session, request),
                        note=str(form.get("note", ""))[:2000])
        except CurationError:
            return item_page(request, session, item, office, errors={"form": "already_approved"}, status_code=409)
        return RedirectResponse(f"/queue?office={office.id}&notice=rejected#notice", status_code=303)


@router.post("/queue/bulk", name="queue_bulk", include_in_schema=False)
async def queue_bulk(request: Request):
    """Approve or reject several items at once. An approved item gets a Norwegian title per standard
    made from what it holds (relay.alert_titles; Swedish in the Swedish profile), never the source's
    own title, its own sectors and the whole region."""
    form = await request.form()
    action = form.get("action")
    if action not in ("approve", "reject"):
        raise HTTPException(status_code=400, detail="action")
    ids = [i for i in map(small_int, form.getlist("item_ids")) if i is not None]
    with transaction(request.app.state.engine) as session:
        office = office_for(request, session, form.get("office"))
        if office is None:
            raise HTTPException(status_code=400, detail="office")
    done = failed = 0
    no_sector: list[int] = []  # refused with their reason shown: nothing to send them under
    for item_id in ids:
        try:  # one transaction per item, so one refusal does not undo the others
            with transaction(request.app.state.engine) as session:
                item = session.get(Item, item_id)
                if item is None:
                    raise CurationError("no such item")
                if action == "approve":
                    entry = entry_of(session, item)
                    if not bulk_draft(session, entry, office).sectors:
                        no_sector.append(entry.id)
                        raise CurationError("an alert needs at least one sector")
                    before = session.scalars(select(Alert.id).where(Alert.item_id == entry.id,
                                                                    Alert.office_id == office.id)).first()
                    alert = approve_item(session=session, item_id=entry.id, office_id=office.id,
                                         draft=bulk_draft(session, entry, office), actor=_actor(session, request))
                    if before is None:  # a document goes out with its paragraphs, as the form pre-ticks (issue 20)
                        choose_paragraphs(session, alert, [str(p.id) for p in paragraphs(session, entry)])
                else:
                    reject_item(session=session, item_id=item_id, office_id=office.id, actor=_actor(session, request))
            done += 1
        except (CurationError, StandardMissing):
            failed += 1
    refused = f"&nosector={','.join(map(str, no_sector[:NO_SECTOR_LISTED]))}" if no_sector else ""
    return RedirectResponse(f"/queue?office={office.id}&done={done}&failed={failed}{refused}", status_code=303)


def bulk_draft(session, item: Item, office: Organisation) -> AlertDraft:
    """Titles made from the item; sectors its own, else (a document without any) its paragraphs' sectors,
    as the single approval form starts from (issue 20)."""
    own = [t.sector for t in item.tags if not t.removed]
    sectors = own or [sector for sector, _ in paragraphs_by_sector(session, item) if sector]
    if office.profile == "se":
        return AlertDraft(title_nb=alert_title(item, "sv"), sectors=sectors)
    return AlertDraft(title_nb=alert_title(item, "nb"), title_nn=alert_title(item, "nn"), sectors=sectors)


@router.post("/queue/{item_id}/tags", name="queue_tag", include_in_schema=False)
async def queue_tag(request: Request, item_id: Id):
    """Add or remove a sector by hand; re-tagging never overrides a human tag."""
    from relay.tagging.apply import (
        set_human_tag,  # written alongside; imported late so the queue works without it
    )

    form = await request.form()
    sector, present = str(form.get("sector", "")), form.get("present") == "1"
    with transaction(request.app.state.engine) as session:
        item = get_item(session, item_id)
        office = office_for(request, session, form.get("office"))
        if sector not in sector_names("nb"):
            raise HTTPException(status_code=400, detail="sector")
        before = next(({"origin": t.origin, "removed": t.removed} for t in item.tags if t.sector == sector), None)
        set_human_tag(session=session, item_id=item.id, sector=sector, present=present, user_id=request.state.user.id)
        # Tags are the item's, shared by every office's queue: who changed one is on record.
        audit.record(session=session, actor=_actor(session, request), action="tag.add" if present else "tag.remove",
                     entity="item", entity_id=item.id, before=before, after={"sector": sector, "present": present},
                     office_id=office.id if office is not None else None)
        suffix = f"&office={office.id}" if office is not None else ""
    notice = "tag_added" if present else "tag_removed"
    return RedirectResponse(f"/queue/{item_id}?notice={notice}{suffix}#notice", status_code=303)


def _alert(session, request: Request, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise HTTPException(status_code=404, detail="no such alert")
    if request.state.user.role != "ministry":  # the ministry reads every office's alerts
        ensure_office(request.state.user, alert.office_id)
    return alert


def _alert_page(request, alert, *, values=None, errors=None, saved=False, status_code=200):
    values = values or {n: getattr(alert, n) for n in TEXTS}
    user = request.state.user
    # The governor asks "which municipalities got this?", not only "how many?".
    target_ids = [t.municipality_id for t in alert.targets]
    # By the register's official name of the day ("Guovdageaidnu - Kautokeino"), with the standard it reads.
    targets = sorted(((m.code, municipality_name(m), m.malform) for m in object_session(alert).scalars(
        select(Organisation).where(Organisation.id.in_(target_ids)).options(selectinload(Organisation.names)))),
        key=lambda t: collation_key(t[1])) if target_ids else []
    return render(request, "alert.html", {
        "alert": alert, "values": values, "errors": errors or {}, "saved": saved, "targets": targets,
        "can_edit": user.role == "admin" or (user.role == "governor" and user.office_id == alert.office_id),
        "sectors": sector_names(request_language(request)),
        "chosen": chosen_paragraphs(object_session(alert), alert.id),  # issue 20: a document's paragraphs
        "source_url": display_url(object_session(alert), alert.item),  # the preferred language version
    }, status_code=status_code)


@router.get("/alerts", response_class=HTMLResponse, name="alerts", include_in_schema=False)
def alerts(request: Request):
    """Approved alerts, newest first: a governor's own office; the ministry and admins every office."""
    user = request.state.user
    office = user.office_id if user.role == "governor" else small_int(request.query_params.get("office"))
    with transaction(request.app.state.engine) as session:
        query = select(Alert).order_by(Alert.approved_at.desc(), Alert.id.desc()).limit(ALERT_LIST_SIZE)
        if office is not None:
            query = query.where(Alert.office_id == office)
        offices = [] if user.role == "governor" else session.scalars(select(Organisation).where(
            Organisation.id.in_(select(Alert.office_id).distinct())).order_by(Organisation.name)).all()
        return render(request, "alerts.html", {"alerts": session.scalars(query).all(), "offices": offices,
                                               "office": office, "limit": ALERT_LIST_SIZE})


@router.get("/alerts/{alert_id}", response_class=HTMLResponse, name="alert_view", include_in_schema=False)
def alert_view(request: Request, alert_id: Id):
    with transaction(request.app.state.engine) as session:
        return _alert_page(request, _alert(session, request, alert_id), saved=request.query_params.get("saved") == "1")


@router.post("/alerts/{alert_id}/edit", response_class=HTMLResponse, name="alert_edit", include_in_schema=False)
async def alert_edit(request: Request, alert_id: Id):
    form = await request.form()
    values = {n: str(form.get(n, "")) for n in TEXTS}
    with transaction(request.app.state.engine) as session:
        alert = _alert(session, request, alert_id)
        if not values["title_nb"].strip():
            return _alert_page(request, alert, values=values, errors={"title_nb": "required"}, status_code=400)
        if alert.office.profile == "se":  # one Swedish text, kept in the bokmål columns
            values.update({n: getattr(alert, n) or "" for n in TEXTS if n.endswith("_nn")})
        changes = {n: v for n, v in values.items() if v.strip() != (getattr(alert, n) or "")}
        shown = set(form.getlist("reviewed")) & set(alert.unreviewed)
        reviewed = "both" if shown == {"nn", "nb"} else next(iter(shown), "")
        if changes or reviewed:
            update_alert_texts(session=session, alert=alert, changes=changes, actor=_actor(session, request),
                               reviewed=reviewed)
    return RedirectResponse(f"/alerts/{alert_id}?saved=1", status_code=303)
