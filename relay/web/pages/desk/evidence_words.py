"""Where a tag's evidence was found, in words a governor's adviser reads without knowing the tagger:
"tittelen", "avsnitt 27 i dokumentet", "HUDOCs stikkord" instead of field names. The field names and
rule ids stay on the page behind "Vis teknisk grunnlag"."""

from __future__ import annotations

from collections.abc import Callable

# field → key under desk.where; document.para.N and document.rec.N carry their number
KNOWN = ("title", "text", "issue", "subjects", "kpthesaurus", "themes", "body", "affected_persons", "article",
         "upr_issues", "document.facts", "document.operative", "document.summary", "document.text")


def field_phrase(field: str | None, t: Callable[..., str]) -> str:
    name = field or ""
    if name in KNOWN:
        return t("desk.where." + name.replace(".", "_"))
    for prefix, key in (("document.para.", "document_para"), ("document.rec.", "document_rec")):
        if name.startswith(prefix):
            return t("desk.where." + key, n=name[len(prefix):])
    if name.startswith("document."):
        return t("desk.where.document_text")
    return t("desk.where.other")


def strength(score: float | None) -> str:
    """The rule score as a word: the numbers mean nothing to a reader (thresholds from config/sectors.toml:
    a tag needs 1.0; two independent signals reach 2)."""
    value = score or 0
    return "strong" if value >= 2 else "medium" if value >= 1 else "weak"
