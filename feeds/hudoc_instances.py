"""The HUDOC family: one application, eleven sites (SOURCES.md sections 2–4 and 10).

Read by feeds/hudoc.py (JSON query API) and feeds/hudoc_rss.py (RSS). Hosts and id columns are
seen in the RSS captures; the JSON field names of ESC, EXEC and CPT are reported by public
collectors (SOURCES.md 4) and those of ECRI, GRETA, GREVIO, FCNM, ECRML, GRECO and COMMHR are
guesses on the same pattern, so each role lists candidate columns and the parser takes the first
one present. CPT reports no title column, so its document title is built from reported fields.
Also here: HUDOC's dates, and state names as the sites write them, mapped to ISO 3166 alpha-3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from urllib.parse import quote

from feeds.records import FeedError, SourceConfig


@dataclass(frozen=True)
class Instance:
    code: str  # contentsitename and Record.body
    id_column: str  # the key of the RSS link's JSON fragment and the JSON id column
    date_field: str  # what windows and the cursor use (kpdate, or a publication date)
    state_field: str
    sectioned: bool = False  # one row per report section; Relay's item is the document
    title_fields: tuple[str, ...] = ()  # document title, first present wins
    fallback_title_fields: tuple[str, ...] = ()  # joined into a title when no title field is present
    section_title_field: str | None = None
    language_field: str | None = None
    type_field: str | None = None
    meta_columns: tuple[str, ...] = ()
    kinds: tuple[tuple[str, str], ...] = ()  # (regex on the type/description/title, kind), first match wins
    default_kind: str = "report"
    rss_state_from: str = "description"  # where the RSS item names the state: title or description
    rss_state_pattern: str | None = None  # group 1 (or the first group matched) is the part to scan

    @property
    def host(self) -> str:
        return f"hudoc.{self.code.lower()}.coe.int"

    @property
    def prefix(self) -> str:
        return self.code.lower()

    def item_url(self, item_id: str) -> str:
        """The https human page. HUDOC's own links are http with raw JSON in the fragment."""
        if self.code == "ECHR":
            return f"https://{self.host}/eng?i={quote(item_id, safe='-')}"
        fragment = '{"%s":["%s"]}' % (self.id_column, item_id.replace('"', '\\"'))  # noqa: UP031 - JSON braces
        return f"https://{self.host}/eng#{quote(fragment, safe='{}[]:,')}"

    def rss_url(self) -> str:
        # The captures came from the ECHR form of this URL; library=<site>eng for the others is unverified.
        return (f"https://{self.host}/app/transform/rss?library={self.prefix}eng"
                f"&query=contentsitename%3A{self.code}&sort=&start=1")


def _p(code: str, *roles: str) -> tuple[str, ...]:
    return tuple(code.lower() + role for role in roles)


_POSITION = r"^(.*?)\s+-\s+\d+(?:/\d+)?\b"  # "Fifth Opinion on Norway - 3/15 - …": the part before n/N
_MIDDLE = r"^[^-]*-\s*(.*?)\s+-"  # "VI - Norway - Press Releases": the middle part
INSTANCES: dict[str, Instance] = {i.code: i for i in (
    Instance("ECHR", "itemid", "kpdate", "respondent", title_fields=("docname",), language_field="languageisocode",
             type_field="doctype", default_kind="judgment", rss_state_from="title", rss_state_pattern=r"\sv\.\s(.*)$",
             meta_columns=("article", "violation", "nonviolation", "conclusion", "issue", "importance", "doctype",
                           "doctypebranch", "itemid", "languageisocode", "docname")),
    Instance("ESC", "escdcidentifier", "escpublicationdate", "escstateparty", title_fields=("esctitle",),
             language_field="escdclanguage", type_field="escdctype", default_kind="decision",
             kinds=((r"^Conclusion", "conclusions"), (r"^OPCC", "separate-opinion"), (r"^CCASST", "follow-up")),
             rss_state_from="title",
             rss_state_pattern=r"(?:^Conclusions\s+\d{4}\s*-\s*(.*?)\s+-|\sv\.\s(.*?),\s*Complaint)",
             meta_columns=_p("ESC", "dctype", "complnum", "complorg", "datedec", "article", "articleviolated",
                             "articlenotviolated", "importance", "stateparty")),
    Instance("EXEC", "execidentifier", "execpublisheddate", "execstate", title_fields=("exectitle",),
             language_field="execlanguage", type_field="execdocumenttype", default_kind="execution",
             kinds=((r"^CMDEC$", "decision"), (r"^(?:apo|acr)$", "action-plan"), (r"^(?:ngo|nhri)$", "communication")),
             rss_state_pattern=r"\sv\.\s(.*)$",
             meta_columns=_p("EXEC", "documenttype", "state", "docnamefromechr", "documentreference", "judgmentdate",
                             "isclosed", "supervision", "violations", "type", "group")),
    Instance("CPT", "cptsectionid", "cptpublicationdate", "cptstate", sectioned=True,
             title_fields=("cptdocumenttitle", "cpttitle"), section_title_field="cptsectiontitle",
             fallback_title_fields=("cptdocumentreference", "cptstate", "cptvisityear"),
             language_field="cptlanguage", type_field="cptdocumenttype", rss_state_pattern=r"^([^:(]+)",
             meta_columns=_p("CPT", "documentid", "documentdate", "documenttype", "visittype", "visityear",
                             "documentreference", "sectiontotal")),
    Instance("ECRI", "ecriidentifier", "ecripublicationdate", "ecristate", title_fields=("ecrititle",),
             language_field="ecrilanguage", type_field="ecridocumenttype", rss_state_pattern=_MIDDLE,
             kinds=((r"Press Release", "news"), (r"Follow-up", "conclusions"), (r"Recommendation", "recommendation"),
                    (r"Observation|Comment", "government-comments")),
             meta_columns=_p("ECRI", "documenttype", "cycle")),
    Instance("GRETA", "gretaidentifier", "gretapublicationdate", "gretastate", sectioned=True,
             title_fields=("gretadocumenttitle", "gretatitle"), section_title_field="gretasectiontitle",
             language_field="gretalanguage", type_field="gretadocumenttype", rss_state_pattern=_MIDDLE,
             kinds=((r"^\s*-|Judgment", "case-law"),), meta_columns=_p("GRETA", "documenttype", "round")),
    Instance("GREVIO", "greviosectionid", "greviopublicationdate", "greviostate", sectioned=True,
             title_fields=("greviodocumenttitle", "greviotitle"), section_title_field="greviosectiontitle",
             language_field="greviolanguage", type_field="greviodocumenttype", rss_state_pattern=_POSITION,
             meta_columns=_p("GREVIO", "documenttype")),
    Instance("FCNM", "fcnmsectionid", "fcnmpublicationdate", "fcnmstate", sectioned=True,
             title_fields=("fcnmdocumenttitle", "fcnmtitle"), section_title_field="fcnmsectiontitle",
             language_field="fcnmlanguage", type_field="fcnmdocumenttype", default_kind="opinion",
             kinds=((r"Comments", "government-comments"), (r"Resolution", "resolution")),
             rss_state_pattern=_POSITION, meta_columns=_p("FCNM", "documenttype", "cycle")),
    Instance("ECRML", "ecrmlsectionid", "ecrmlpublicationdate", "ecrmlstate", sectioned=True,
             title_fields=("ecrmldocumenttitle", "ecrmltitle"), section_title_field="ecrmlsectiontitle",
             language_field="ecrmllanguage", type_field="ecrmldocumenttype", rss_state_pattern=_POSITION,
             kinds=((r"Recommendation", "recommendation"), (r"Statement", "statement")),
             meta_columns=_p("ECRML", "documenttype", "cycle")),
    Instance("GRECO", "grecosectionid", "grecopublicationdate", "grecostate", sectioned=True,
             title_fields=("grecodocumenttitle", "grecotitle"), section_title_field="grecosectiontitle",
             language_field="grecolanguage", type_field="grecodocumenttype", rss_state_pattern=_POSITION,
             meta_columns=_p("GRECO", "documenttype", "round")),
    Instance("COMMHR", "commhridentifier", "commhrpublicationdate", "commhrstate", title_fields=("commhrtitle",),
             language_field="commhrlanguage", type_field="commhrdocumenttype", default_kind="document",
             kinds=((r"Country report|Report", "report"), (r"Letter", "letter"), (r"Memorandum", "memorandum"),
                    (r"Third party", "third-party-intervention"), (r"Statement|Speech", "statement")),
             rss_state_from="title", meta_columns=_p("COMMHR", "documenttype")),
)}
BY_ID_COLUMN = {i.id_column: i for i in INSTANCES.values()}


def instance_for(source: SourceConfig, *, id_column: str | None = None) -> Instance:
    """The instance named in source.params["instance"], else the one whose id column the data uses."""
    name = str(source.params.get("instance") or "").upper()
    if name:
        if name not in INSTANCES:
            raise FeedError(f"Unknown HUDOC instance {name!r}; known: {', '.join(INSTANCES)}.", retryable=False)
        return INSTANCES[name]
    if id_column in BY_ID_COLUMN:
        return BY_ID_COLUMN[id_column]
    raise FeedError("The source names no HUDOC instance (params.instance) and the data does not show one.",
                    retryable=False)


def kind_for(inst: Instance, *texts: str) -> str:
    for text in texts:
        for pattern, kind in inst.kinds:
            if text and _ignoring_case(pattern).search(text):
                return kind
    return inst.default_kind


@lru_cache(maxsize=256)
def _ignoring_case(pattern: str) -> re.Pattern:
    """An instance's pattern compiled once (re's own cache is looked up, and may evict, on every call)."""
    return re.compile(pattern, re.I)


def document_id(section_id: str) -> tuple[str, int | None]:
    """("5th_OP_Norway_en", 3) from "5th_OP_Norway_en-3": strip the last segment only when it is a number."""
    head, sep, tail = section_id.rpartition("-")
    if sep and head and tail.isdigit():
        return head, int(tail)
    return section_id, None


# --- dates -------------------------------------------------------------------------------------
FIRST_YEAR = 1950
# Each shape has one fixed meaning, never a guess from the values: the 12-hour form is HUDOC's
# US M/D/YYYY (kpdate), the 24-hour slash form is its D/M/YYYY (judgementdate, kpdateAsText).
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})\s+\d{1,2}:\d{2}(?::\d{2})?\s*[AP]M$", re.I)
_EU = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")
_RFC822 = re.compile(r"^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{1,4})\b")
_MONTHS = {m: n for n, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}


@lru_cache(maxsize=4096)  # a page holds a few hundred distinct dates, each on many rows
def parse_date(raw: str | None) -> date | None:
    """A HUDOC date in any of its JSON shapes or RFC 822 (RSS pubDate); None when unreadable.

    Python's email.utils turns year 0001 into 2001, so RFC 822 is read here, digits as written.
    """
    value = (raw or "").strip()
    try:
        if m := _US.match(value):
            return date(int(m[3]), int(m[1]), int(m[2]))
        if m := _ISO.match(value):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _EU.match(value):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if (m := _RFC822.match(value)) and m[2].lower() in _MONTHS:
            return date(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
    except ValueError:
        return None
    return None


def checked_date(raw: str | None, *, today: date | None = None) -> tuple[date | None, bool, tuple[str, ...]]:
    """(date, plausible, warnings) under the plausibility rule of SOURCES.md 11."""
    if not (raw or "").strip():
        return None, True, ()
    value = parse_date(raw)
    if value is None:
        return None, True, (f"unreadable date {raw!r}",)
    if value.year < FIRST_YEAR or value > (today or date.today()) + timedelta(days=366):
        return None, False, (f"implausible date {raw!r}",)
    return value, True, ()


# --- states ------------------------------------------------------------------------------------
# Names as the HUDOC sites write them (upper-case ECtHR titles, old and new names) → alpha-3.
# Kosovo has no ISO code; XKX is the code the EU and the IMF use.
_STATES = {
    "ALB": "Albania", "AND": "Andorra", "ARM": "Armenia", "AUT": "Austria", "AZE": "Azerbaijan",
    "BEL": "Belgium", "BIH": "Bosnia and Herzegovina", "BGR": "Bulgaria", "HRV": "Croatia", "CYP": "Cyprus",
    "CZE": "Czech Republic|Czechia", "DNK": "Denmark", "EST": "Estonia", "FIN": "Finland", "FRA": "France",
    "GEO": "Georgia", "DEU": "Germany", "GRC": "Greece", "HUN": "Hungary", "ISL": "Iceland", "IRL": "Ireland",
    "ITA": "Italy", "LVA": "Latvia", "LIE": "Liechtenstein", "LTU": "Lithuania", "LUX": "Luxembourg",
    "MLT": "Malta", "MDA": "Republic of Moldova|Moldova", "MCO": "Monaco", "MNE": "Montenegro",
    "NLD": "Netherlands", "MKD": "North Macedonia|The former Yugoslav Republic of Macedonia|Macedonia",
    "NOR": "Norway", "POL": "Poland", "PRT": "Portugal", "ROU": "Romania", "RUS": "Russian Federation|Russia",
    "SMR": "San Marino", "SRB": "Serbia", "SCG": "Serbia and Montenegro", "SVK": "Slovak Republic|Slovakia",
    "SVN": "Slovenia", "ESP": "Spain", "SWE": "Sweden", "CHE": "Switzerland",
    "TUR": "Türkiye|TÜRKİYE|Turkiye|Turkey", "UKR": "Ukraine",
    "GBR": "United Kingdom|Northern Ireland|England|Scotland|Wales", "IMN": "Isle of Man", "XKX": "Kosovo",
    "BLR": "Belarus", "KAZ": "Kazakhstan", "USA": "United States of America|United States|USA",
}
STATE_NAMES = {code: names.split("|")[0] for code, names in _STATES.items()}  # the current English name
NAME_TO_CODE = {name.casefold(): code for code, names in _STATES.items() for name in names.split("|")}
CODES = frozenset(_STATES)
# Longest names first, so "Northern Ireland" wins over "Ireland" and "Serbia and Montenegro" over "Serbia".
_NAMES = re.compile(r"(?<!\w)(%s)(?!\w)" % "|".join(  # noqa: UP031
    re.escape(n) for n in sorted((n for v in _STATES.values() for n in v.split("|")), key=len, reverse=True)), re.I)


@lru_cache(maxsize=4096)  # the same respondent parts and descriptions recur item after item
def states_in(text: str) -> tuple[str, ...]:
    """Every state named in text, in order of appearance, each once."""
    found = [NAME_TO_CODE.get(m.group(1).casefold()) for m in _NAMES.finditer(text or "")]
    return tuple(dict.fromkeys(code for code in found if code))


def state_codes(value: str | None) -> tuple[tuple[str, ...], list[str]]:
    """(codes, unknown) from a JSON state field: ";"-joined alpha-3 codes or names."""
    codes, unknown = [], []
    for part in (p.strip() for p in (value or "").split(";")):
        if not part:
            continue
        code = part.upper() if part.upper() in CODES else NAME_TO_CODE.get(part.casefold())
        (codes.append(code) if code else unknown.append(part))
    return tuple(dict.fromkeys(codes)), unknown


def language_code(value: str | None) -> str | None:
    """HUDOC's three-letter codes → ISO 639-1 where Relay needs it; other codes lower-cased as given."""
    code = (value or "").strip().upper()
    return {"ENG": "en", "EN": "en", "FRE": "fr", "FRA": "fr", "FR": "fr", "NOR": "nb"}.get(code, code.lower() or None)

