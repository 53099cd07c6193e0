"""The fixed texts exist in all four languages, and the nynorsk is nynorsk (språklova § 15)."""

from __future__ import annotations

import re

from relay.i18n import LANGUAGES, catalogue, missing_keys
from relay.mail.context import OPS_KINDS
from relay.mail.templating import KINDS, templates_dir

# Bokmål forms that must never appear in a nynorsk text, with the nynorsk form to use instead.
BOKMAL_IN_NYNORSK = {
    "ikke": "ikkje", "fra": "frå", "Mottatt": "Motteke", "tjenester": "tenester", "kommunene": "kommunane",
    "hvis": "viss", "hva": "kva", "dere": "de/dykk", "bekreft": "stadfest", "lenken": "lenkja",
    "noen": "nokon", "mottakeren": "mottakaren", "nå": "no", "hver": "kvar",
}


def test_every_email_text_exists_in_every_language():
    assert missing_keys("email") == {}


def test_every_key_used_by_a_template_exists():
    used = set()
    for path in templates_dir().rglob("*"):
        if path.is_file():
            used |= set(re.findall(r"t\('(email\.[a-z_.]*[a-z_])'", path.read_text(encoding="utf-8")))
    used |= {f"email.ops_kind.{kind}" for kind in OPS_KINDS}
    for language in LANGUAGES:
        assert used - catalogue(language).keys() == set(), language
    assert {p.name for p in templates_dir().iterdir() if p.is_dir()} == set(KINDS)


def test_nynorsk_texts_use_nynorsk_forms():
    nynorsk = {k: v for k, v in catalogue("nn").items() if k.startswith("email.")}
    for key, text in nynorsk.items():
        for word, instead in BOKMAL_IN_NYNORSK.items():
            assert not re.search(rf"\b{word}\b", text, re.IGNORECASE), f"{key}: «{word}» → «{instead}»: {text}"
    assert nynorsk["email.item.ack_button"] == "Motteke"
    assert {catalogue(lang)["email.item.ack_button"] for lang in LANGUAGES} == {
        "Mottatt", "Motteke", "Received", "Mottaget"}


def test_the_urgent_word_is_localised():
    assert [catalogue(lang)["email.item.urgent"] for lang in LANGUAGES] == ["Viktig", "Viktig", "Important", "Viktigt"]
