"""The relevance gates that come before sectors (SECTORS.md §2).

- Norway relevance (Item.relevant): the item concerns the profile's country (Norway, or Sweden in
  the Swedish profile), or it is a key case every municipality should know.
- Municipal relevance: the item touches some municipal service. `justice-detention` alone is
  context (police, courts and prisons are not municipal), and `governance` from general-measures
  themes already passed the municipal gate in the rules themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from relay.tagging.engine import TagDecision

HOME_STATES = {"no": frozenset({"NOR"}), "se": frozenset({"SWE"})}
CONTEXT_ONLY = frozenset({"justice-detention"})


@dataclass(frozen=True)
class Relevance:
    relevant: bool
    municipal: bool
    reasons: tuple[str, ...]


def _get(item, name: str, default=None):
    return item.get(name, default) if isinstance(item, dict) else getattr(item, name, default)


def states_of(item) -> set[str]:
    raw = _get(item, "states") or ""
    parts = raw.split(";") if isinstance(raw, str) else list(raw)
    return {p.strip().upper() for p in parts if p and p.strip()}


def check(item, decisions: Iterable[TagDecision], *, profile: str = "no") -> Relevance:
    home = HOME_STATES.get(profile, HOME_STATES["no"])
    reasons = []
    concerned = sorted(states_of(item) & home)
    if concerned:
        reasons.append(f"concerns {', '.join(concerned)}")
    if _get(item, "key_case"):
        reasons.append("key case")
    sectors = {d.sector for d in decisions}
    municipal = bool(sectors - CONTEXT_ONLY)
    if sectors and not municipal:
        reasons.append("justice-detention only: context, no municipal service")
    return Relevance(relevant=bool(concerned) or bool(_get(item, "key_case")), municipal=municipal,
                     reasons=tuple(reasons))


def current_profile() -> str:
    """The settings' profile; "no" when settings cannot be read (tests, the evaluation)."""
    try:
        from relay.settings import get_settings

        return get_settings().profile
    except Exception:  # noqa: BLE001 - relevance must not fail because settings are broken
        return "no"
