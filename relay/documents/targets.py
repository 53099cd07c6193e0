"""Where an item's full text lives: HUDOC conversion endpoints per instance, the OHCHR store.

Only the identifiers the collectors already keep are used (meta.itemid for HUDOC, meta.symbol
for UN documents); nothing is guessed. A HUDOC item without an itemid, or a UN item without a
symbol, simply has no document.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

# One HUDOC application per Council of Europe body (SOURCES.md §4): host, library, sectioned.
HUDOC = {
    "ECHR": ("hudoc.echr.coe.int", "ECHR", False),
    "ESC": ("hudoc.esc.coe.int", "ESC", False),
    "EXEC": ("hudoc.exec.coe.int", "EXEC", False),
    "CPT": ("hudoc.cpt.coe.int", "CPT", True),
    "ECRI": ("hudoc.ecri.coe.int", "ECRI", False),
    "GRETA": ("hudoc.greta.coe.int", "GRETA", True),
    "GREVIO": ("hudoc.grevio.coe.int", "GREVIO", True),
    "FCNM": ("hudoc.fcnm.coe.int", "FCNM", True),
    "ECRML": ("hudoc.ecrml.coe.int", "ECRML", True),
    "GRECO": ("hudoc.greco.coe.int", "GRECO", True),
    "COMMHR": ("hudoc.commhr.coe.int", "COMMHR", False),
}
OHCHR_DOWNLOAD = "https://tbinternet.ohchr.org/_layouts/15/treatybodyexternal/Download.aspx"
HUDOC_QUERY = "https://hudoc.echr.coe.int/app/query/results"
RANKING_MODEL = "11111111-0000-0000-0000-000000000000"  # the portal sends it; some queries 404 without
ECHR_DOCUMENT_PREFIXES = ("001-",)  # judgments and decisions; 002- legal summaries, 003- press releases


@dataclass(frozen=True)
class Target:
    kind: str  # body | legal-summary
    url: str  # the body URL, the OHCHR listing page, or the HUDOC query that finds a legal summary
    via: str  # hudoc | hudoc-sections | ohchr | clin-lookup
    parts: tuple[str, ...] = ()  # section ids of a sectioned HUDOC document


def hudoc_body_url(body: str, doc_id: str, *, section: bool = False) -> str:
    host, library, _ = HUDOC[body]
    path = "/app/conversion/docx/section/html/body" if section else "/app/conversion/docx/html/body"
    return f"https://{host}{path}?{urlencode({'library': library, 'id': doc_id}, quote_via=quote)}"


def hudoc_page_url(body: str, doc_id: str) -> str:
    host, _, _ = HUDOC[body]
    return f"https://{host}/eng?i={quote(doc_id, safe='')}"


def hudoc_headers(body: str) -> dict:
    # Collectors that get through HUDOC's firewall send the portal as Referer (SOURCES.md §2.8, §4).
    host, _, _ = HUDOC[body]
    return {"Referer": f"https://{host}/eng"}


def ohchr_download_url(symbol: str) -> str:
    return f"{OHCHR_DOWNLOAD}?symbolno={quote(symbol, safe='')}&Lang=en"


def clin_lookup_url(appno: str) -> str:
    query = f'contentsitename:ECHR AND appno:"{appno}" AND documentcollectionid2:"CLIN"'
    params = {"query": query, "select": "itemid,appno,docname,languageisocode,doctype", "sort": "",
              "start": 0, "length": 20, "rankingModelId": RANKING_MODEL}
    return f"{HUDOC_QUERY}?{urlencode(params, quote_via=quote)}"


def targets_for(item) -> list[Target]:
    """The documents to keep for this item (none for translations: the primary version carries them)."""
    meta = item.meta or {}
    if item.kind == "recommendation" or item.parent_item_id or item.primary_item_id:
        return []
    if item.body in HUDOC:
        doc_id = str(meta.get("itemid") or "").strip()
        if not doc_id:
            return []
        out = []
        sections = _sections(meta, doc_id)
        if HUDOC[item.body][2] and sections:
            urls = tuple(hudoc_body_url(item.body, s, section=True) for s in sections)
            out.append(Target("body", urls[0], "hudoc-sections", urls))
        else:
            out.append(Target("body", hudoc_body_url(item.body, doc_id), "hudoc"))
        appno = first_appno(meta.get("appno"))
        if item.body == "ECHR" and doc_id.startswith(ECHR_DOCUMENT_PREFIXES) and appno \
                and item.kind in ("judgment", "decision"):
            out.append(Target("legal-summary", clin_lookup_url(appno), "clin-lookup"))
        return out
    symbol = str(meta.get("symbol") or "").strip()
    if symbol and ("/" in symbol):
        return [Target("body", ohchr_download_url(symbol), "ohchr")]
    return []


def first_appno(value) -> str:
    """The case's own application number: the first of a ;-joined list, without a trailing '+'."""
    text = str(value or "").split(";")[0].strip().rstrip("+").strip()
    return text


def _sections(meta: dict, doc_id: str) -> list[str]:
    """Section ids from meta.sections (ids or {id, title}); else meta.sectiontotal as <id>-1 … <id>-N."""
    listed = meta.get("sections")
    if isinstance(listed, list) and listed:
        return [str(s.get("id") if isinstance(s, dict) else s) for s in listed if s]
    total = str(meta.get("sectiontotal") or "").strip()
    if total.isdigit() and 0 < int(total) <= 200:
        return [f"{doc_id}-{n}" for n in range(1, int(total) + 1)]
    return []
