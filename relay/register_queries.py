"""Questions the web pages and digests ask of the organisation register.

`written_standard` carries the legal rule: språklova § 11 lets a municipal council decide which
written standard state bodies use with it, and § 15 binds state bodies (the Statsforvalter, and
Relay writing on its behalf) to that decision.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from relay.models import Organisation

OFFICE_KIND = {"no": "office", "se": "lansstyrelse"}
MUNICIPALITY_KIND = {"no": "municipality", "se": "kommun"}
# The last letters of each alphabet, mapped past "z" in their national order (ä/ö and æ/ø are
# the same letters in Norwegian and Swedish use, only ordered differently).
_LAST_LETTERS = {
    "no": str.maketrans({"æ": "{", "ä": "{", "ø": "|", "ö": "|", "å": "}"}),
    "se": str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}"}),
}


class UnknownOrganisation(LookupError):
    """No organisation with that code in the register."""


def collation_key(name: str, profile: str = "no") -> str:
    """Sort key in the national alphabet: Norwegian ends æ ø å, Swedish å ä ö; other accents fold."""
    folded = name.casefold().translate(_LAST_LETTERS.get(profile, _LAST_LETTERS["no"]))
    return "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c))


def _in_force(on: date | None):
    day = on or date.today()
    return (
        or_(Organisation.valid_from.is_(None), Organisation.valid_from <= day),
        or_(Organisation.valid_to.is_(None), Organisation.valid_to >= day),
    )


def list_offices(*, session: Session, profile: str = "no", on: date | None = None) -> list[Organisation]:
    """The Statsforvalter offices (or länsstyrelser) in force, by the area they serve."""
    query = select(Organisation).where(
        Organisation.profile == profile, Organisation.kind == OFFICE_KIND[profile], *_in_force(on))
    # "Statsforvalteren i Agder" and "Statsforvaltaren i Vestland" sort by the area, not the title's form.
    return sorted(session.scalars(query), key=lambda o: collation_key(o.name.split(" i ", 1)[-1], profile))


def list_municipalities(*, session: Session, office_id: int | None = None, profile: str = "no",
                        on: date | None = None) -> list[Organisation]:
    """Municipalities in force, by name; only one office's when office_id is given."""
    query = (select(Organisation)
             .where(Organisation.profile == profile, Organisation.kind == MUNICIPALITY_KIND[profile], *_in_force(on))
             .options(selectinload(Organisation.county), selectinload(Organisation.names)))
    if office_id is not None:
        query = query.where(Organisation.office_id == office_id)
    return sorted(session.scalars(query), key=lambda m: (collation_key(m.name, profile), m.code))


def list_ministries(*, session: Session, codes: list[str] | None = None) -> list[Organisation]:
    """The ministries in the register, in the order of `codes` (settings.ministries) when given."""
    query = select(Organisation).where(Organisation.profile == "no", Organisation.kind == "ministry")
    if codes is None:
        return list(session.scalars(query.order_by(Organisation.code)))
    found = {m.code: m for m in session.scalars(query.where(Organisation.code.in_(codes)))}
    return [found[code] for code in codes if code in found]


def get_municipality(*, session: Session, code: str, profile: str = "no") -> Organisation:
    """The municipality with this kommunenummer (or kommunkod); raises UnknownOrganisation."""
    query = select(Organisation).where(
        Organisation.profile == profile, Organisation.kind == MUNICIPALITY_KIND[profile],
        Organisation.code == code.strip().zfill(4))
    found = session.scalars(query).first()
    if found is None:
        raise UnknownOrganisation(f"no municipality {code!r} in the {profile!r} register")
    return found


def name_on(org: Organisation, day: date, form: str = "official") -> str:
    """The name form valid on `day`; the plain name where the register knows no form for that day."""
    for row in sorted(org.names, key=lambda n: n.valid_from, reverse=True):
        if row.form == form and row.valid_from <= day and (row.valid_to is None or day <= row.valid_to):
            return row.name
    return org.name


def written_standard(municipality: Organisation, contact_language: str | None) -> Literal["nb", "nn"]:
    """The written standard Relay must use with this municipality (språklova §§ 11 and 15).

    Nynorsk and bokmål decisions bind. A neutral municipality may get either, so the contact's
    choice decides, with bokmål as the default. Where the decision is unconfirmed (or unknown), the
    default is nynorsk: bokmål to a nynorsk municipality is the one unlawful outcome.
    """
    if municipality.malform == "nynorsk":
        return "nn"
    if municipality.malform == "bokmal":
        return "nb"
    if contact_language in ("nb", "nn"):
        return contact_language
    confirmed_neutral = municipality.malform == "noytral" and municipality.malform_confirmed
    return "nb" if confirmed_neutral else "nn"
