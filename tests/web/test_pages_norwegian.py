"""Norwegian everywhere (issue 21): on every page of every role in bokmål and nynorsk, and in the
downloads' headers and sheet names, every visible word is either a word of that language's fixed
texts (relay/locales/*.<lang>.toml) or data (a name, a title, an address from the database).

A code ("immediate", "child-welfare", "bouncing") or an English word that is in neither fails. Data is
told from codes by its shape: text with a capital letter, a space or an @ (names, titles, addresses)
counts as data; a lone lower-case token stored in a column (a frequency, a status, a sector id) does
not, since a page must translate it. Text in <code> and <pre>, and text marked with another language
(lang="en" on a source's own words, the language links), is exempt.
"""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

from openpyxl import load_workbook
from sqlalchemy import String, Text, inspect, select

from relay.db import transaction
from relay.i18n import catalogue
from relay.models import Base
from relay.sectors import sector_names
from tests.web.pages import page_visits, seed_pages

WORD = re.compile(r"[^\W\d_]{2,}")
SKIP = {"script", "style", "code", "pre", "title", "svg"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
LANGS = ("nb", "nn")
# The administrator's view of raw DSN/MDN reports shows the report's own fields (channel, disposition,
# the reporting MTA's words) as received: evidence, deliberately untranslated.
KNOWN = {"raw_reports": {"auto", "other", "reply", "unknown", "unparsed", "user", "mx", "kari"},
         "raw_report": {"unknown", "user", "mx", "kari"}}


class _Visible(HTMLParser):
    """The text a reader sees in the page's own language (minus <code>, <pre> and other languages)."""

    def __init__(self, lang: str):
        super().__init__()
        self.lang, self.stack, self.words = lang, [], []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        other = "lang" in attrs and attrs["lang"] not in (self.lang, "")
        hidden = "hidden" in attrs or attrs.get("aria-hidden") == "true"
        self.stack.append((tag, tag in SKIP or other or hidden))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not any(skip for _, skip in self.stack):
            self.words += WORD.findall(data)


def _vocabulary(lang: str) -> set[str]:
    """The words of the fixed texts (locale files and the sector names in config/sectors.toml) of both
    Norwegian standards: a page may show a mail in the municipality's standard (the digest preview)."""
    texts = [*catalogue("nb").values(), *catalogue("nn").values(), *sector_names("nb").values(),
             *sector_names("nn").values()]
    return {w.casefold() for text in texts for w in WORD.findall(text)}


def _data_words(engine, settings) -> set[str]:
    """Words of human data in the database (every text value with a capital, a space, an @, a / or a
    dot) and of the configured addresses (the reply-to a page names as whom to ask)."""
    words = {w.casefold() for value in (settings.mail.reply_to or "", settings.mail.from_address)
             for w in WORD.findall(value)}
    with transaction(engine) as session:
        for mapper in Base.registry.mappers:
            columns = [c for c in inspect(mapper.class_).columns if isinstance(c.type, (String, Text))]
            if not columns:
                continue
            for row in session.execute(select(*columns)):
                for value in row:
                    if isinstance(value, str) and re.search(r"[A-ZÆØÅ @/.]", value):
                        words |= {w.casefold() for w in WORD.findall(value)}
    return words


def _strangers(words, allowed: set[str]) -> set[str]:
    """Words in neither; an acronym in capitals (PDF, NAV, EMD) is a name, not a code."""
    return {w for w in words if w.casefold() not in allowed and not (w.isupper() and len(w) <= 5)}


def test_every_visible_word_on_every_page_is_norwegian_or_data(engine, settings, world, client_for):
    visits = page_visits(settings, world, seed_pages(engine, world))
    data = _data_words(engine, settings)
    clients: dict = {}
    problems = []
    for lang in LANGS:
        allowed = _vocabulary(lang) | data
        for visit in visits:
            client = clients.setdefault(visit.persona, client_for(visit.persona))
            response = client.get(f"{visit.path}{'&' if '?' in visit.path else '?'}lang={lang}")
            if not response.headers["content-type"].startswith("text/html"):
                continue
            parser = _Visible(lang)
            parser.feed(response.text)
            strange = _strangers(parser.words, allowed) - KNOWN.get(visit.name, set())
            if strange:
                problems.append(f"[{lang}] {visit.persona} {visit.path}: {sorted(strange)}")
    assert problems == [], "\n".join(problems)


def test_every_download_header_and_sheet_name_is_norwegian(engine, settings, world, client_for):
    seed_pages(engine, world)
    ministry, admin = client_for("ministry"), client_for("admin")
    problems = []
    for lang in LANGS:
        allowed = _vocabulary(lang)
        for path in (f"/reports/export/by_office.csv?lang={lang}", f"/reports/export/municipalities.csv?lang={lang}",
                     f"/reports/alerts/{world.alert_a}/export/municipalities.csv?lang={lang}"):
            text = ministry.get(path).text
            assert text.startswith("\ufeff"), path
            header = next(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
            problems += [f"{path}: {w}" for w in _strangers(WORD.findall(" ".join(header)), allowed)]
        book = load_workbook(io.BytesIO(ministry.get(f"/reports/export/all.xlsx?lang={lang}").content))
        for sheet in book.worksheets:
            names = [sheet.title] + [str(c.value) for c in sheet[1] if c.value] if sheet.max_row > 1 else [sheet.title]
            problems += [f"all.xlsx {sheet.title}: {w}" for w in _strangers(WORD.findall(" ".join(names)), allowed)]
        audit = admin.get(f"/admin/audit.csv?lang={lang}").text
        header = next(csv.reader(io.StringIO(audit.lstrip("\ufeff")), delimiter=";"))
        problems += [f"audit.csv: {w}" for w in _strangers(WORD.findall(" ".join(header)), allowed)]
    assert problems == [], "\n".join(problems)


def test_no_norwegian_fixed_text_names_a_code():
    """The fixed texts are the vocabulary the tests above trust, so they must not carry codes themselves
    (as "frekvens (immediate, weekly, monthly)" and "(bouncing)" once did)."""
    from relay.models import FREQUENCIES

    codes = {*FREQUENCIES, "bouncing", "unsubscribed", "pending", "digest", "fallback", *sector_names("nb")}
    found = [f"{lang} {key}: {code}" for lang in LANGS for key, text in catalogue(lang).items()
             for code in codes if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", re.sub(r"\{\w+\}", "", text))]
    assert found == []
