"""The governor's curation queue: the office's undecided items with filters, bulk decisions, and the
item page with each tag's evidence and the approval form.

The decisions (approve, bulk, reject, nynorsk draft, tag changes) live in relay.web.pages.desk.alerts; both modules share `office_for`, `get_item` and `item_page`.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from relay.alert_titles import alert_title
from relay.curation import region_municipalities
from relay.dates import parse_date
from relay.db import transaction
from relay.documents.evidence import document_field_texts, field_text
from relay.documents.view import document_context
from relay.mail.sender import municipality_name
from relay.models import Alert, Item, Organisation, Review, Source, Tag, User, utcnow
from relay.sectors import sector_names
from relay.store.entry_view import entry_context, paragraphs_by_sector
from relay.store.health import UNSECTORED, entry_conditions, in_sector, without_sector
from relay.store.versions import display_languages, entry_of, preferred, versions_by_lead
from relay.tagging.keywords import describe_keywords
from relay.web.access import CURATORS, ensure_office
from relay.web.api_models import Id, small_int
from relay.web.pages.desk.evidence_words import field_phrase, strength
from relay.web.pages.desk.queue_view import SEEN_COOKIE, SHOW, arrange, last_visit
from relay.web.paging import paginate
from relay.web.templating import render, request_language

router = APIRouter()
ACCESS = {"queue": CURATORS, "queue_item": CURATORS}
STATES = ("new", "approved", "rejected")
QUEUE_PAGE_SIZE = 25


def office_for(request: Request, session, asked: str | None) -> Organisation | None:
    """The office acted for: ?office= / form field (checked against the user), else the governor's own.
    None only for an admin who has not picked one yet."""
    user = request.state.user
    if asked:
        office_id = small_int(asked)
        if office_id is None:
            raise HTTPException(status_code=400, detail="office")
    elif user.role == "governor" and user.office_id:
        office_id = user.office_id
    elif user.role == "admin":
        return None
    else:
        raise HTTPException(status_code=403, detail="forbidden")
    ensure_office(user, office_id)
    office = session.get(Organisation, office_id)
    if office is None or office.kind not in ("office", "lansstyrelse"):
        raise HTTPException(status_code=404, detail="no such office")
    return office


def _offices(session) -> list[Organisation]:
    kinds = ("office", "lansstyrelse")
    return list(session.scalars(select(Organisation).where(Organisation.kind.in_(kinds)).order_by(Organisation.name)))


def list_queue(*, session, office_id: int, state="new", source_id=None, sector=None, since=None, until=None):
    """The office's entries in the given state (new: no decision yet): relevant items, each case once
    (its language versions attached) and each document once (its paragraphs under it), tagged or not:
    sector=UNSECTORED lists those no sector rule placed ("Uten sektor – vurder")."""
    query = select(Item).where(*entry_conditions())
    if sector == UNSECTORED:
        query = query.where(*without_sector())
    elif sector:
        query = query.where(in_sector(sector))
    decided = select(Review.item_id).where(Review.office_id == office_id)
    if state == "new":
        query = query.where(Item.id.not_in(decided.where(Review.state.in_(("approved", "rejected")))))
    else:
        query = query.where(Item.id.in_(decided.where(Review.state == state)))
    if source_id:
        query = query.where(Item.source_id == source_id)
    if since:
        query = query.where(Item.date >= since)
    if until:
        query = query.where(Item.date <= until)
    # Every undecided entry of the office: the desk orders, searches and pages the whole list (queue_view),
    # so nothing past a cut-off vanishes from view. The source is loaded with it: the search reads its name.
    return list(session.scalars(query.options(selectinload(Item.source))
                                .order_by(Item.first_seen_at.desc(), Item.id.desc())))


def refused_for_no_sector(session, listed: str | None) -> list[Item]:
    """The entries a bulk approval refused because neither they nor their paragraphs have a sector (issue 20)."""
    ids = [i for i in map(small_int, (listed or "").split(",")[:20]) if i is not None]
    return list(session.scalars(select(Item).where(Item.id.in_(ids)).order_by(Item.id))) if ids else []


@router.get("/queue", response_class=HTMLResponse, name="queue", include_in_schema=False)
def queue(request: Request):
    q = request.query_params
    filters = {"state": q.get("state") if q.get("state") in STATES else "new",
               "source": q.get("source", ""), "sector": q.get("sector", ""),
               "since": q.get("since", ""), "until": q.get("until", ""),
               "q": q.get("q", "").strip()[:200], "show": q.get("show") if q.get("show") in SHOW else ""}
    since_visit, seen_cookie = last_visit(request.cookies.get(SEEN_COOKIE), utcnow())
    with transaction(request.app.state.engine) as session:
        office = office_for(request, session, q.get("office"))
        names = sector_names(request_language(request))
        items = [] if office is None else list_queue(
            session=session, office_id=office.id, state=filters["state"],
            source_id=small_int(filters["source"]),
            sector=filters["sector"] if filters["sector"] in names or filters["sector"] == UNSECTORED else None,
            since=parse_date(filters["since"]), until=parse_date(filters["until"]))
        entries, totals = arrange(session, items, since_visit=since_visit, query=filters["q"], show=filters["show"])
        pager = paginate(entries, path="/queue", query=q, size=QUEUE_PAGE_SIZE)
        sources = session.scalars(select(Source).order_by(Source.name)).all()
        listed = [e.item for e in pager.rows]
        versions = versions_by_lead(session, listed)
        shown = {item.id: preferred(versions[item.id], display_languages()) for item in listed}
        # Approved items whose alert carries machine texts nobody has read: flagged, one click from review.
        flags = {} if office is None or not listed else {a.item_id: a for a in session.scalars(select(Alert).where(
            Alert.office_id == office.id, Alert.item_id.in_([i.id for i in listed]),
            (Alert.nynorsk_origin == "machine") | (Alert.bokmal_origin == "machine")))}
        response = render(request, "queue.html", {
            "office": office, "offices": _offices(session), "entries": pager.rows, "pager": pager,
            "totals": totals, "filters": filters, "sources": sources, "since_visit": since_visit,
            "bad_dates": [k for k in ("since", "until") if filters[k] and parse_date(filters[k]) is None],
            "versions": versions, "shown": shown, "unsectored": UNSECTORED, "flags": flags,
            "sectors": names, "done": small_int(q.get("done")), "failed": small_int(q.get("failed")),
            "no_sector": refused_for_no_sector(session, q.get("nosector"))})
    response.set_cookie(SEEN_COOKIE, seen_cookie, max_age=90 * 86400, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/queue")
    return response


def item_page(request: Request, session, item: Item, office: Organisation, *, values=None, errors=None,
              notice=None, refusal=None, status_code=200):
    """The item with its evidence and the approval form (prefilled, or with what the user typed).
    The titles are prefilled in Norwegian (Swedish in the Swedish profile), never with the source's
    own title; `refusal` is an approval refused for a standard nobody wrote (alert_texts.StandardMissing)."""
    active = [t for t in item.tags if not t.removed]
    if values is None:
        # Norwegian titles (Swedish in the Swedish profile), never the source's own (issue 19); a document's
        # sectors from its paragraphs when it has none of its own (issue 20).
        swedish = office.profile == "se"
        own = [t.sector for t in active] or [sector for sector, _ in paragraphs_by_sector(session, item) if sector]
        values = {"title_nb": alert_title(item, "sv" if swedish else "nb"),
                  "title_nn": "" if swedish else alert_title(item, "nn"), "priority": "normal",
                  "sectors": own, "municipalities": None, "nynorsk_origin": "manual"}
    setters = {u.id: u.email for u in session.scalars(select(User).where(
        User.id.in_([t.set_by_user_id for t in item.tags if t.set_by_user_id])))}
    review = session.scalars(select(Review).where(Review.item_id == item.id, Review.office_id == office.id)).first()
    alert = session.scalars(select(Alert).where(Alert.item_id == item.id, Alert.office_id == office.id)).first()
    language = request_language(request)
    texts = DocumentTexts(item, session)
    region = region_municipalities(session=session, office_id=office.id)
    return render(request, "queue_item.html", {
        "item": item, "office": office, "review": review, "alert": alert, "values": values, "errors": errors or {},
        "notice": notice, "refusal": refusal, "swedish": office.profile == "se", "sectors": sector_names(language),
        "tags": [{"tag": t, "by": setters.get(t.set_by_user_id, "rule"), "evidence": evidence_rows(item, t, texts)}
                 for t in item.tags],
        "document": document_context(session=session, item=item, lang=language),
        "municipalities": region, "official_names": {m.id: municipality_name(m) for m in region},
        **entry_context(session, item, alert),
        "field_phrase": field_phrase, "strength": strength,
    }, status_code=status_code)


def get_item(session, item_id: int) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="no such item")
    return item


@router.get("/queue/{item_id}", response_class=HTMLResponse, name="queue_item", include_in_schema=False)
def queue_item(request: Request, item_id: Id):
    with transaction(request.app.state.engine) as session:
        item = get_item(session, item_id)
        entry = entry_of(session, item)
        if entry.id != item.id:  # a language version or a paragraph is decided on with its entry
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse(f"/queue/{entry.id}{query}", status_code=303)
        office = office_for(request, session, request.query_params.get("office"))
        if office is None:
            return RedirectResponse("/queue", status_code=303)
        return item_page(request, session, item, office)


class DocumentTexts:
    """The item's document passages by field, read once per page however many evidence rows point at them."""

    def __init__(self, item: Item, session):
        self.item, self.session, self._texts = item, session, None

    def get(self, field: str) -> str:
        if self._texts is None:
            self._texts = document_field_texts(self.item, session=self.session)
        return self._texts.get(field, "")


def _field_text(item: Item, field: str | None, texts: DocumentTexts | None = None) -> str:
    """The text an evidence entry's positions point into: title, text, a string meta field, or a
    document passage ("document.facts", "document.para.27" …) as the tagger read it."""
    if field in ("title", "text"):
        return getattr(item, field) or ""
    if field and field.startswith("document."):
        return texts.get(field) if texts is not None else field_text(item, field)
    value = (item.meta or {}).get(field or "")
    return value if isinstance(value, str) else ""


def _spans(entry: dict) -> list[tuple[int, int]]:
    """Stored match positions, as [start, end] pairs or as matches with start/end."""
    raw = entry.get("positions") or entry.get("spans") or [
        (m.get("start"), m.get("end")) for m in entry.get("matches", []) if isinstance(m, dict)]
    return sorted((int(s), int(e)) for s, e in (tuple(p)[:2] for p in raw if len(p) >= 2)
                  if isinstance(s, int) and isinstance(e, int) and 0 <= s < e)


def highlight(text: str, spans: list[tuple[int, int]], context: int = 80) -> Markup:
    """The matched words marked in their text; long texts cut to a window around each match."""
    parts, cursor = [], 0
    for start, end in spans:
        if start < cursor or end > len(text):
            continue  # overlapping or stale positions (the text changed since tagging)
        lead = text[cursor:start]
        if len(lead) > 2 * context and cursor:
            lead = lead[:context] + " … " + lead[-context:]
        elif len(lead) > context and not cursor:
            lead = "… " + lead[-context:]
        parts.append(escape(lead) + Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        cursor = end
    if not parts:
        return Markup("")
    tail = text[cursor:]
    return Markup("").join(parts) + escape(tail if len(tail) <= context else tail[:context] + " …")


def evidence_rows(item: Item, tag: Tag, texts: DocumentTexts | None = None) -> list[dict]:
    rows = []
    for entry in tag.evidence or []:
        if not isinstance(entry, dict):
            rows.append({"rule": "", "field": "", "value": str(entry), "words": [], "marked": "", "weight": None})
            continue
        field = entry.get("field")
        text = _field_text(item, field, texts)
        spans = _spans(entry)
        words = entry.get("words") or [m.get("text") for m in entry.get("matches", []) if isinstance(m, dict)] \
            or [text[s:e] for s, e in spans if e <= len(text)]
        rows.append({"rule": entry.get("rule") or entry.get("rule_id") or "", "field": field or "",
                     "value": describe_keywords(entry["value"]) if field == "kpthesaurus" and entry.get("value")
                     else entry.get("value", ""), "words": [w for w in words if w],
                     "marked": highlight(text, spans), "weight": entry.get("weight", entry.get("score")),
                     "kind": entry.get("kind", ""), "at": str(entry.get("at") or "")})
    return rows
