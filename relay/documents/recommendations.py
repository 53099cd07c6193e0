"""Which paragraphs of a treaty-body or monitoring document are recommendations.

Concluding observations: every numbered paragraph in which the Committee recommends, urges,
calls upon, encourages, requests or invites (the concern paragraphs that precede them are
not recommendations). Monitoring reports (ECRI, GREVIO, FCNM, GRETA …): paragraphs that
address the authorities ("ECRI recommends that the authorities …", "GREVIO urges the Norwegian
authorities to …"), bold recommendations, and every item of a list under a heading that says
"recommendations" ("Recommendations for immediate action", "List of proposals …").
"""

from __future__ import annotations

import re

_VERBS = (r"recommends?|urges?|calls? (?:up)?on|encourages?|requests?|invites?|"
          r"recommande|exhorte|engage|invite|prie|demande")
_CO_VERB = re.compile(rf"\b(?:{_VERBS})\b", re.I)
_ADDRESSEE = r"(?:authorities|state party|government|états? partie|autorités|gouvernement)"
_AUTHORITIES = re.compile(
    rf"\b(?:{_VERBS}|strongly (?:encourages|urges)|considers that the)\b[^.]{{0,160}}\b{_ADDRESSEE}\b"
    rf"|\b{_ADDRESSEE} should\b|\bauthorities to\b",
    re.I,
)
_LIST_HEADING = re.compile(r"recommendation|proposals|suggestions|recommandation", re.I)


def find_recommendations(text: str, paragraphs: list[dict], loose: list[dict], headings: list[dict],
                         *, doc_type: str) -> list[dict]:
    """Spans {n, start, end, path} of recommendation paragraphs, in document order."""
    found = []
    if doc_type == "concluding-observations":
        for p in paragraphs:
            if _CO_VERB.search(text[p["start"]:p["end"]]):
                found.append(_entry(p))
        return found
    for p in [*paragraphs, *loose]:
        body = text[p["start"]:p["end"]]
        under_list = any(_LIST_HEADING.search(headings[i]["title"]) for i in p.get("path", [])
                         if 0 <= i < len(headings))
        if _AUTHORITIES.search(body) or (p.get("bold") and _CO_VERB.search(body)) or (under_list and len(body) > 20 and not body.rstrip().endswith(":")):
            found.append(_entry(p))
    found.sort(key=lambda e: e["start"])
    return found


def _entry(p: dict) -> dict:
    return {"n": p.get("n"), "start": p["start"], "end": p["end"], "path": list(p.get("path", []))}
