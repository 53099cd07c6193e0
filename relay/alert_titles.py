"""A Norwegian (or Swedish) title for an alert, made from what the item holds.

Sources title their documents in English or French ("CASE OF STRAND LOBBEN AND OTHERS v. NORWAY").
That is never an alert's title: the approval form is prefilled with, and bulk approval uses,
"Dom frå EMD 10.09.2019: Strand Lobben m.fl. mot Noreg" in each standard, built from the issuing
body, the kind of document, its date and the case name. The source's own title stays in the mail as
"Originaltittel" (templates/email/_alert.*).
"""

from __future__ import annotations

import re

from relay.i18n import translator
from relay.models import Item

# "CASE OF A.B. AND OTHERS v. NORWAY - [Norwegian Translation] by …", "HAUGEN v. Norway"
_CASE = re.compile(r"^(?:CASE OF\s+)?(?P<applicant>.+?)\s+v\.\s+(?P<state>[^-–(\[:]+?)\s*(?:[-–(\[:].*)?$", re.I)
_OTHERS = re.compile(r"\s+AND\s+OTHERS$", re.I)
_STATES = ("NORWAY", "SWEDEN", "DENMARK", "FINLAND", "ICELAND", "THE UNITED KINGDOM", "GERMANY", "FRANCE",
           "RUSSIA", "TURKEY", "POLAND", "ITALY")
_SMALL_WORDS = {"and", "of", "the", "de", "la", "von", "van", "der"}


def _word(word: str) -> str:
    """Case names come in capitals: "STRAND" → "Strand"; initials ("A.B.") and short all-caps
    abbreviations with digits stay as written."""
    if "." in word or any(c.isdigit() for c in word):
        return word
    lower = word.lower()
    return lower if lower in _SMALL_WORDS else "-".join(p[:1].upper() + p[1:] for p in lower.split("-"))


def case_name(title: str, language: str) -> str:
    """"Strand Lobben m.fl. mot Noreg" from a HUDOC title; "" when the title names no case."""
    match = _CASE.match(title.strip())
    if not match:
        return ""
    t = translator(language)
    applicant = match["applicant"].strip()
    others = bool(_OTHERS.search(applicant))
    applicant = " ".join(_word(w) for w in _OTHERS.sub("", applicant).split())
    applicant = applicant[:1].upper() + applicant[1:]
    state = match["state"].strip().upper()
    state = t(f"standard.state.{state.replace(' ', '_')}") if state in _STATES else " ".join(
        _word(w) for w in state.split())
    return t("standard.title.case_others" if others else "standard.title.case", applicant=applicant, state=state)


def alert_title(item: Item, language: str) -> str:
    """The title an alert on `item` gets in `language` (nb, nn, sv) unless the governor writes one."""
    t = translator(language)
    kind = t(f"standard.kind.{item.kind}")
    if kind.startswith("standard.kind."):
        kind = t("standard.kind.document")
    body = t(f"standard.body.{item.body}") if item.body else ""
    if body.startswith("standard.body."):
        body = item.body or ""
    if item.date:
        day = item.date.isoformat() if language == "sv" else f"{item.date:%d.%m.%Y}"
    else:
        day = ""
    head = t("standard.title.head", kind=kind, body=body, date=day) if body else f"{kind} {day}".strip()
    head = " ".join(head.split())
    name = case_name(item.title, language)
    return f"{head}: {name}" if name else head


def is_source_title(title: str, item: Item) -> bool:
    """The source's own title typed (or left) as the alert's title."""
    return " ".join(title.split()).casefold() == " ".join(item.title.split()).casefold()
