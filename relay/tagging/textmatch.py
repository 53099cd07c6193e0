"""Inflection- and compound-aware term matching that returns character positions.

Term syntax (docs/tagging.md has the guide):
    care order          words match at a word start and may take a short inflectional ending
                        (care orders, omsorgsovertakelsen, fosterhjemmet is *not* covered: use *)
    barnevern*          `*` at the end of a word: any continuation (compound heads, stems)
    *skole              `*` at the start of the first word: may end a compound (grunnskolen, ungdomsskole)
    =rom                `=`: this exact word, no ending
    take* .. into care  `..`: up to three other words in between

All terms of a lexicon are found in one pass: a zero-width look-ahead over the three-letter keys
of every term reports each place a term could start, and only the terms sharing that key are tried
there. Python's `re` has no trie, so one big alternation of full terms would try every term at
every position; this keeps the work close to one scan of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Endings shared by English, Norwegian (both written forms), Swedish and French nouns and adjectives.
# Deliberately short: anything longer is written with `*` so that the rule shows it.
ENDINGS = ("s", "es", "e", "en", "et", "er", "ers", "ene", "a", "ar", "ane", "as", "or", "orna", "arna",
           "erna", "na", "n", "ne", "r", "rne", "ns", "ens", "ets", "t")
_ENDING = "(?:" + "|".join(sorted(ENDINGS, key=len, reverse=True)) + ")?"
_SEP = r"(?:\s*[-‐–/]\s*|\s+)"  # care order, care-order, barne- og …
_GAP = r"(?:[\s,;]+[\w'’-]+){0,3}[\s,;]+"
KEY = 3


class TermError(ValueError):
    pass


@dataclass(frozen=True)
class Hit:
    owner: str  # the rule or gate that owns the term
    term: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _Term:
    owner: str
    term: str
    pattern: re.Pattern
    tail: bool  # may start inside a word (the end of a compound)
    prefix: str  # the literal start of the first word: a cheap str.startswith before the regex


def _word_regex(word: str) -> str:
    exact = word.startswith("=")
    word = word.lstrip("=*")
    open_end = word.endswith("*")
    core = word.rstrip("*")
    if not core or not re.fullmatch(r"[\w'’.,&-]+", core):
        raise TermError(f"bad word {word!r}")
    body = re.escape(core)
    if open_end:
        return body + r"\w*"
    return body + ("" if exact else _ENDING) + r"(?!\w)"


def compile_term(term: str) -> tuple[str, re.Pattern, bool]:
    """(key, pattern anchored at the key, tail?) for one term; raises TermError with the reason."""
    words = term.lower().split()
    if not words or words[0] == ".." or words[-1] == "..":
        raise TermError(f"empty term or gap at an edge: {term!r}")
    tail = words[0].startswith("*")
    if any(w.startswith("*") for w in words[1:]):
        raise TermError(f"only the first word may start with '*': {term!r}")
    first = words[0].lstrip("=*").rstrip("*")
    if len(first) < KEY:
        raise TermError(f"first word must have at least {KEY} letters: {term!r}")
    parts, gap = [], False
    for word in words:
        if word == "..":
            gap = True
            continue
        if parts:
            parts.append(_GAP if gap else _SEP)
        parts.append(_word_regex(word))
        gap = False
    return first[:KEY], re.compile("".join(parts)), tail


class Lexicon:
    """Many (owner, term) pairs compiled once; find(text) gives every hit with its span."""

    def __init__(self, entries: list[tuple[str, str]]):
        heads: dict[str, list[_Term]] = {}
        tails: dict[str, list[_Term]] = {}
        errors = []
        for owner, term in entries:
            try:
                key, pattern, tail = compile_term(term)
            except (TermError, re.error) as exc:
                errors.append(f"{owner}: {exc}")
                continue
            prefix = term.lower().split()[0].lstrip("=*").rstrip("*")
            (tails if tail else heads).setdefault(key, []).append(_Term(owner, term, pattern, tail, prefix))
        if errors:
            raise TermError("\n".join(errors))
        for table in (heads, tails):
            for terms in table.values():
                terms.sort(key=lambda t: -len(t.term))  # the longest term of an owner is the one reported
        self._heads, self._tails = heads, tails
        # Head terms are only tried at word starts; the few compound tails are probed everywhere.
        self._head_scan = _scanner(heads, r"(?<!\w)")
        self._tail_scan = _scanner(tails, "")
        self.size = sum(len(v) for v in heads.values()) + sum(len(v) for v in tails.values())

    def find(self, text: str) -> list[Hit]:
        if not text:
            return []
        lower = _lower(text)
        hits: list[Hit] = []
        taken: set[tuple[str, int]] = set()  # one hit per owner and start
        for scan, table in ((self._head_scan, self._heads), (self._tail_scan, self._tails)):
            if scan is None:
                continue
            for probe in scan.finditer(lower):
                at = probe.start()
                for term in table[probe.group(1)]:
                    if not lower.startswith(term.prefix, at):
                        continue
                    m = term.pattern.match(lower, at)
                    if m is None:
                        continue
                    start = at
                    if term.tail:
                        while start > 0 and lower[start - 1].isalnum():
                            start -= 1
                    if (term.owner, start) in taken:
                        continue
                    taken.add((term.owner, start))
                    hits.append(Hit(term.owner, term.term, start, m.end(), text[start:m.end()]))
        return hits


def _scanner(table: dict, anchor: str) -> re.Pattern | None:
    if not table:
        return None
    keys = sorted(table)
    return re.compile(anchor + "(?=(" + "|".join(re.escape(k) for k in keys) + "))")


def _lower(text: str) -> str:
    """Lower-cased text of the same length, so positions found in it hold in the original."""
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def tokens(text: str) -> list[str]:
    """The baseline the benchmark compares against: lower-case and split into words."""
    return re.findall(r"\w+", text.lower())
