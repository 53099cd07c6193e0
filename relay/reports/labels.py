"""Names for the keys the figures are grouped by: organisations, sectors and issuing bodies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay.models import Organisation

# The fixed ids and order of ../shared/reference/SECTORS.md; relay.sectors (config/sectors.toml)
# is preferred when it is there, this is the fallback so reports never depend on it being loaded.
SECTOR_IDS = (
    "governance", "child-welfare", "education", "health-care", "elderly-care", "disability", "social-services",
    "housing", "planning-environment", "integration", "minorities-sami", "equality-violence", "privacy",
    "democracy-participation", "culture-language-religion", "employment", "justice-detention",
)
MUNICIPALITY_KINDS = ("municipality", "kommun")


def sector_names(language: str) -> dict[str, str]:
    try:
        from relay.sectors import sector_names as configured
    except ImportError:
        return {s: s for s in SECTOR_IDS}
    try:
        return dict(configured(language)) or {s: s for s in SECTOR_IDS}
    except Exception:  # noqa: BLE001 - a broken sectors file must not take the reports down with it
        return {s: s for s in SECTOR_IDS}


def body_name(code: str | None, t: Callable[..., str]) -> str:
    """An issuing body's name in the reader's language (t: relay.i18n.translator): "ECHR" → "Den europeiske
    menneskerettsdomstolen (EMD)"; a body the catalogue does not name (a feed's own, a UHRI special
    procedure) keeps its code, and an item without one says so."""
    key = f"reports.body_name.{code or 'none'}"
    name = t(key)
    return code if name == key and code else name


def sector_ids() -> list[str]:
    return list(sector_names("nb"))


@dataclass
class Register:
    """Every office, county and municipality, read once per report (a few hundred rows)."""

    by_id: dict[int, Organisation]

    @classmethod
    def load(cls, session: Session) -> Register:
        rows = session.scalars(select(Organisation).where(
            Organisation.kind.in_(("office", "county", "lansstyrelse", "lan", *MUNICIPALITY_KINDS))))
        return cls({org.id: org for org in rows})

    def name(self, org_id: int | None) -> str:
        org = self.by_id.get(org_id or 0)
        return org.name if org is not None else "–"

    def municipalities(self, office_id: int | None = None, county_id: int | None = None) -> list[Organisation]:
        munis = [o for o in self.by_id.values() if o.kind in MUNICIPALITY_KINDS
                 and (office_id is None or o.office_id == office_id)
                 and (county_id is None or o.county_id == county_id)]
        return sorted(munis, key=lambda o: o.code)

    def offices(self) -> list[Organisation]:
        return sorted((o for o in self.by_id.values() if o.kind in ("office", "lansstyrelse")), key=lambda o: o.name)

    def counties(self) -> list[Organisation]:
        return sorted((o for o in self.by_id.values() if o.kind in ("county", "lan")), key=lambda o: o.code)


def code_name(group: str, code: str | None, t: Callable[..., str]) -> str:
    """A stored code (a contact's kind or status, how a message went, its delivery status) in the reader's
    language (desk.code.<group>.<code>): "immediate" → "Straks"; an unknown code is shown as it is."""
    key = f"desk.code.{group}.{code}"
    name = t(key)
    return (code or "") if name == key else name
