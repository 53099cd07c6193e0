"""Who a message is from and which list it belongs to, in the recipient's language.

Mail to a municipality is sent in the name of the office that approved it, written in the
recipient's standard: "Statsforvalteren i Vestland" to a bokmål municipality, "Statsforvaltaren i
Vestland" to a nynorsk one (the office's own register name is one of the two). The List-Id phrase
names the office, the municipality and the sectors of the mail, so a rule in the recipient's mail
client reads as their own language. Names of municipalities are the register's official form of the
day ("Guovdageaidnu - Kautokeino" in the Sámi administrative area), relay.register_queries.name_on.
"""

from __future__ import annotations

import re
from datetime import date

from relay.i18n import translator
from relay.models import Organisation
from relay.register_queries import name_on

TITLES = {"nb": "Statsforvalteren", "nn": "Statsforvaltaren"}
_TITLE = re.compile(r"\bStatsforval(?:teren|taren)\b")


def in_standard(name: str, language: str) -> str:
    """The Statsforvalter title in a name written in `language`'s standard (bokmål for English)."""
    return _TITLE.sub(TITLES.get(language, TITLES["nb"]), name) if language != "sv" else name


def office_name(office: Organisation | None, language: str, on: date | None = None) -> str:
    """The office's name in `language`'s standard; länsstyrelser as the register has them."""
    if office is None:
        return ""
    name = name_on(office, on or date.today()) if office.names else office.name
    return in_standard(name, language) if office.profile == "no" else name


def from_name(configured: str, office: str, language: str) -> str:
    """From: the office the mail is sent for, else the configured name ("Relay – Statsforvalteren")
    with its title in the recipient's standard."""
    return office or in_standard(configured, language)


def municipality_name(municipality: Organisation, on: date | None = None) -> str:
    """The official name of the day: bilingual in the Sámi administrative area, plain elsewhere."""
    return name_on(municipality, on or date.today()) if municipality.names else municipality.name


def list_name(language: str, *, office: str, municipality: str, sectors: list[str]) -> str:
    """The RFC 2919 phrase: "Statsforvaltaren i Vestland: menneskerettar for Voss (barnevern)"."""
    t = translator(language)
    phrase = t("standard.mail.list_name", office=office or "Relay", municipality=municipality)
    return f"{phrase} ({', '.join(sectors)})" if sectors else phrase
