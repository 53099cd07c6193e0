"""UN Digital Library (digitallibrary.un.org): treaty-body documents as MARCXML, found by UN symbol.

SOURCES.md section 5. Item key "un:" + the symbol in 191$a; Rev./Corr./Add. are their own items,
grouped (and parented) by the base symbol. Parsed by namespace, never by prefix: the captures
were re-serialised with `ns0:`, and Invenio itself writes a default namespace.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

from lxml import etree

from feeds.records import FeedError, ParseResult, Payload, Record, SourceConfig, check_param_types
from feeds.text import clean_text
from feeds.xmlsafe import parse_xml

SEARCH_URL = "https://digitallibrary.un.org/search"
RECORD_URL = "https://digitallibrary.un.org/record/{recid}"
PAGE_SIZE = 200  # the practical maximum of rg
MAX_PAGES = 50  # 10,000 records per pattern: far beyond any one state's documents, a guard against loops
# The server answers 202 with nothing to clients that send python-style default headers (SOURCES 5.4),
# so unless the source lists its own headers we send User-Agent (the client's) and Accept only.
DEFAULT_HEADERS = {"Accept": "*/*"}
_TOTAL = re.compile(rb"Search-Engine-Total-Number-Of-Results:\s*(\d+)")
_DERIVED = re.compile(r"(/(?:REV|CORR|ADD|AMEND)\.\d+)+$")
_FILE_LANG = re.compile(r"-([A-Z]{2})\.[A-Za-z0-9]+$")
_KINDS = (("CO", "concluding-observations"), ("Q", "list-of-issues"), ("QPR", "list-of-issues"), ("D", "views"))
BODIES = {"CRC": "CRC", "CEDAW": "CEDAW", "CERD": "CERD", "CCPR": "CCPR", "CRPD": "CRPD", "CAT": "CAT",
          "CMW": "CMW", "CED": "CED", "E/C.12": "CESCR"}
# Country names as UN and OHCHR write them → ISO 3166 alpha-3. The Nordics first; the rest are
# neighbours and states that often appear beside them. Unknown names are kept in meta, not guessed.
COUNTRY_CODES = {
    "norway": "NOR", "sweden": "SWE", "denmark": "DNK", "finland": "FIN", "iceland": "ISL",
    "estonia": "EST", "latvia": "LVA", "lithuania": "LTU", "germany": "DEU", "netherlands": "NLD",
    "netherlands (kingdom of the)": "NLD", "united kingdom": "GBR", "ireland": "IRL", "poland": "POL",
    "russian federation": "RUS", "france": "FRA", "belgium": "BEL", "austria": "AUT", "switzerland": "CHE",
}
STATE_CODES = frozenset(COUNTRY_CODES.values())
# The datafields _record reads: symbol, date, title, imprint date, subjects, corporate names, files,
# body, document type, related symbols.
READ_TAGS = frozenset(("191", "269", "245", "260", "650", "710", "856", "981", "989", "993"))
FIRST_YEAR = 1950


def checked_date(value: date | None, raw: str | None) -> tuple[date | None, bool, tuple[str, ...]]:
    """(date, plausible, warnings): a date before 1950 or over a year ahead is kept only as raw text."""
    if value is None:
        return None, True, ((f"unreadable date {raw!r}",) if raw else ())
    if value.year < FIRST_YEAR or value > date.today() + timedelta(days=366):
        return None, False, (f"implausible date {raw!r}",)
    return value, True, ()


def check_params(params: dict) -> list[str]:
    problems = check_param_types(params, {"symbols": (str,)})
    symbols = params.get("symbols") if isinstance(params, dict) else None
    if not problems and (not isinstance(symbols, list) or not symbols):
        problems.append("param 'symbols' must list at least one symbol pattern, e.g. [\"CRC/C/NOR/*\"]")
    return problems


def parse(raw: bytes, *, source: SourceConfig) -> ParseResult:
    if not raw.strip():
        raise FeedError("The UN Digital Library sent an empty body instead of MARCXML.")
    root = parse_xml(raw)  # FeedError for anything not well-formed, and for entity declarations
    if etree.QName(root).localname not in ("collection", "record"):
        raise FeedError(f"The UN Digital Library sent <{etree.QName(root).localname}> where MARCXML was expected.")
    total = _total(raw, root)
    result = ParseResult(total=total)
    # "{*}": the MARC namespace under any prefix (or none, as some Invenio outputs have it).
    nodes = [root] if etree.QName(root).localname == "record" else root.findall("{*}record")
    for node in nodes:
        record = _record(node)
        if isinstance(record, str):
            result.warnings.append(record)
        else:
            result.records.append(record)
    if not nodes and total:
        raise FeedError(f"The UN Digital Library page holds no records although it reports {total}.")
    return result


def fetch(source: SourceConfig, *, since: date | None, http) -> Iterator[Payload]:
    """One search per configured symbol pattern, paged with the 1-based jrec until the total.

    `since` is not sent: the date syntax of the search is unverified, and a state's treaty-body
    documents number in the hundreds, so every run reads them all and the store keeps what is new.
    """
    patterns = source.params.get("symbols") or []
    if not patterns:
        raise FeedError("The source lists no symbol patterns (params.symbols).", retryable=False)
    headers = _headers(source.headers)
    for pattern in patterns:
        received, jrec, previous = 0, 1, None
        for _ in range(MAX_PAGES):
            params = {"p": f'191__a:"{pattern}"', "of": "xm", "rg": PAGE_SIZE, "jrec": jrec}
            response = http.get(source.url or SEARCH_URL, params=params, headers=headers, expect="xml")
            page = parse(response.body, source=source)
            first = page.records[0].key if page.records else None
            if first is not None and first == previous:
                raise FeedError(f"The UN Digital Library ignored jrec={jrec} and sent the same page again.")
            previous = first
            yield Payload(body=response.body, url=response.url, content_type=response.headers.get("content-type", ""),
                          etag=response.etag, last_modified=response.last_modified)
            count = len(page.records) + len(page.warnings)
            received += count
            jrec += count
            if count == 0 or (page.total is not None and received >= page.total) or (
                page.total is None and count < PAGE_SIZE
            ):
                break


def _headers(configured: dict) -> dict:
    """Exactly the configured headers (or the default pair); everything httpx adds is switched off."""
    chosen = dict(configured or DEFAULT_HEADERS)
    lower = {name.lower() for name in chosen}
    for name in ("Accept", "Accept-Encoding", "Connection"):
        if name.lower() not in lower:
            chosen[name] = None
    return chosen


def _total(raw: bytes, root) -> int | None:
    for node in root.itersiblings(preceding=True):
        if isinstance(node, etree._Comment):
            match = _TOTAL.search(str(node.text).encode())
            if match:
                return int(match.group(1))
    match = _TOTAL.search(raw[:4096])
    return int(match.group(1)) if match else None


def _record(node) -> Record | str:
    control = {c.get("tag"): (c.text or "").strip() for c in node.findall("{*}controlfield")}
    fields: dict[str, list[dict[str, list[str]]]] = {}
    for df in node.findall("{*}datafield"):
        if df.get("tag") not in READ_TAGS:
            continue  # holdings, local and system fields: a third of a record, never read below
        subs: dict[str, list[str]] = {}
        for sf in df.findall("{*}subfield"):
            subs.setdefault(sf.get("code") or "", []).append(sf.text or "")
        fields.setdefault(df.get("tag") or "", []).append(subs)
    recid = control.get("001", "")
    symbol = " ".join(_first(fields, "191", "a").split()).upper()
    if not symbol:
        return f"record {recid or '?'} has no UN symbol (191$a) and was skipped"
    warnings: list[str] = []
    parts = symbol.split("/")
    base = _DERIVED.sub("", symbol)
    names = [clean_text(v) for f in fields.get("710", []) for v in f.get("a", [])]
    states = {p for p in parts if p in STATE_CODES} | {COUNTRY_CODES[n.lower()] for n in names if n.lower() in COUNTRY_CODES}
    raw_date = _first(fields, "269", "a").strip() or None
    parsed = _iso_date(raw_date)
    day, plausible, date_warnings = checked_date(parsed, raw_date)
    files = [_file(f, warnings) for f in fields.get("856", []) if f.get("u") and _web_link(f, warnings)]
    title = " : ".join(t for t in (_isbd(_first(fields, "245", "a")), _isbd(_first(fields, "245", "b"))) if t)
    meta = {
        "symbol": symbol, "recid": recid, "modified": control.get("005") or None,
        "subjects": [clean_text(v) for f in fields.get("650", []) for v in f.get("a", [])],
        "corporate_names": names, "files": files,
        "un_body": [_joined(f) for f in fields.get("981", [])],
        "doc_type": [_joined(f) for f in fields.get("989", [])],
        "related": [clean_text(v) for f in fields.get("993", []) for v in f.get("a", [])],
        "date_text": clean_text(_first(fields, "260", "c")) or None,
    }
    return Record(
        key=f"un:{symbol}", kind=kind_of(parts), title=title or symbol,
        url=RECORD_URL.format(recid=recid) if recid else None,
        date=day, date_raw=raw_date, date_plausible=plausible,
        body=_body(symbol), states=tuple(sorted(states)), language="en",
        aliases=(f"undl:{recid}",) if recid else (), group_key=base,
        parent_key=f"un:{base}" if base != symbol else None,
        meta=meta, warnings=tuple(dict.fromkeys([*warnings, *date_warnings])),
    )


def _first(fields: dict, tag: str, code: str) -> str:
    for f in fields.get(tag, []):
        for value in f.get(code, []):
            if value.strip():
                return value
    return ""


def _isbd(value: str) -> str:
    # MARC titles end with ISBD punctuation meant for the next subfield (" :", " /", " ;").
    return clean_text(value).rstrip(" :/;,=").strip()


def _joined(subs: dict) -> str:
    return " / ".join(clean_text(v) for code in ("a", "b") for v in subs.get(code, []) if v.strip())


def kind_of(parts: list[str]) -> str:
    """The document kind from its symbol's parts ("CRC/C/NOR/CO/7" → concluding-observations)."""
    for segment, kind in _KINDS:
        if segment in parts[1:]:
            return kind
    return "report"


def _body(symbol: str) -> str | None:
    for prefix, body in BODIES.items():
        if symbol.startswith(prefix + "/"):
            return body
    return None


def _iso_date(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def _web_link(subs: dict, warnings: list[str]) -> bool:
    """Only http(s) file links are kept: a javascript: or data: URL in 856$u would reach a page as a link."""
    url = subs["u"][0].strip()
    if url.lower().startswith(("https://", "http://")):
        return True
    warnings.append(f"856$u {url[:60]!r} is not an http(s) link; dropped")
    return False


def _file(subs: dict, warnings: list[str]) -> dict:
    url = subs["u"][0].strip()
    label = (subs.get("y") or [""])[0]
    repaired = repair_mojibake(label)
    if repaired is None:
        warnings.append(f"file label {label!r} is not valid text; kept as sent")
    elif repaired != label:
        label = repaired
        warnings.append("856$y file labels were UTF-8 read as Latin-1; repaired")
    match = _FILE_LANG.search(url.split("?")[0])
    size = (subs.get("s") or [""])[0].strip()
    return {"url": url, "language": match.group(1).lower() if match else None, "label": label,
            "size": int(size) if size.isdigit() else None}


def repair_mojibake(text: str) -> str | None:
    """Undo UTF-8 read as Latin-1 ("FranÃ§ais" → "Français"); None when the text cannot be repaired.

    Plain ASCII and text that is genuine Latin-1 (no valid UTF-8 hidden in it) come back unchanged.
    """
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeEncodeError:
        return text  # characters beyond Latin-1: already decoded properly
    except UnicodeDecodeError:
        return text if all(ord(ch) >= 0xA0 or ord(ch) < 0x80 for ch in text) else None
