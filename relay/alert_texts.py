"""Every standard an alert's targets read gets its own texts before the alert exists.

A governor who wrote only bokmål for an office with nynorsk municipalities used to send them a
nynorsk frame around bokmål words. Approval (web, bulk, API, CLI: all through
relay.curation.approve_item) now asks relay.standards which standards the targets read, and fills
each empty field of a needed standard with Apertium's translation from the other one, marking the
standard "machine" (maskinomsett, ikkje gjennomlese) until a governor reads and saves it. Where
Apertium cannot run, approval is refused with the reason and the municipalities concerned.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from relay import nynorsk

if TYPE_CHECKING:
    from relay.curation import AlertDraft

log = logging.getLogger(__name__)
FIELDS = ("title", "summary", "meaning")
# The standard to fill, the one it is translated from, the Apertium direction, the origin attribute.
DIRECTIONS = {"nn": ("nb", nynorsk.TO_NYNORSK, "nynorsk_origin"), "nb": ("nn", nynorsk.TO_BOKMAL, "bokmal_origin")}


@dataclass
class StandardMissing(Exception):
    """Approval refused: `standard` is read by `municipalities`, nothing was written in it, and no
    machine translation could be made (`reason`)."""

    standard: str
    municipalities: list[str]
    reason: str

    def __str__(self) -> str:
        return (f"no {self.standard} texts for {', '.join(self.municipalities)} and no machine translation: "
                f"{self.reason}")


def missing_fields(draft: AlertDraft, standard: str) -> list[str]:
    """Fields empty in `standard` that the other standard has a text for."""
    source = DIRECTIONS[standard][0]
    return [f for f in FIELDS if not getattr(draft, f"{f}_{standard}").strip()
            and getattr(draft, f"{f}_{source}").strip()]


def complete(draft: AlertDraft, needed: dict[str, list[str]]) -> AlertDraft:
    """The draft with every needed Norwegian standard filled; raises StandardMissing.

    `needed` is relay.standards.alert_standards: standard → the municipalities reading it. Swedish
    texts live in the bokmål columns and are never translated."""
    for standard in ("nn", "nb"):
        if standard not in needed:
            continue
        fields = missing_fields(draft, standard)
        if not fields:
            continue
        source, mode, origin = DIRECTIONS[standard]
        try:
            texts = nynorsk.draft_many([getattr(draft, f"{f}_{source}") for f in fields], mode=mode)
            filled = {f"{f}_{standard}": text for f, text in zip(fields, texts, strict=True)}
        except nynorsk.TranslationUnavailable as exc:
            raise StandardMissing(standard, needed[standard], str(exc)) from exc
        draft = replace(draft, **filled, **{origin: "machine"})
    return draft


def ensure_standard(alert, language: str) -> None:
    """At rendering: an alert approved before a target's contact chose the other standard lacks it.
    Fill it as approval would (machine, flagged); without Apertium the other standard is shown (logged)."""
    if language not in DIRECTIONS:
        return
    source, mode, origin = DIRECTIONS[language]
    fields = [f for f in FIELDS if not getattr(alert, f"{f}_{language}") and getattr(alert, f"{f}_{source}")]
    if not fields:
        return
    try:
        filled = dict(zip(fields, nynorsk.draft_many([getattr(alert, f"{f}_{source}") for f in fields], mode=mode),
                          strict=True))
    except nynorsk.TranslationUnavailable as exc:
        log.warning("alert text missing in the reader's standard", extra={"alert": alert.id, "standard": language,
                                                                          "reason": str(exc)})
        return
    for f, text in filled.items():
        setattr(alert, f"{f}_{language}", text)
    setattr(alert, origin, "machine")
