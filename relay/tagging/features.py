"""The learned model's features: words, word pairs and word pieces, each traced back to its words.

One function serves training (scikit-learn is handed `analyse` as its analyzer) and tagging (the
pure-Python scorer in relay.tagging.model), so the two can never disagree. Every feature remembers
the words that produced it, which is what lets a model tag show the words that decided it.

Word pieces make the model read inflections and compounds in nb, nn, sv and fr as the rules'
`*` does: "barnevernsinstitusjonen" shares "barne", "vern" and "institusjon" pieces with
"barnevern" and "institution", "omsorgsovertakelse" with "omsorgsovertakinga". A piece is a
four-letter window inside a word of six letters or more, plus the word's first five and six letters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"\w+")
VERSION = 2  # raise on any change to what a feature is: a model file records it, and a mismatch is refused
PIECE = 4  # window length inside long words: short enough for compound parts, long enough to mean something
LONG = 6  # shorter words are read whole; their windows would be noise ("care" → "care")
# States and their adjectives are no sector evidence: in the UPR sets "Norway" co-occurs with Sami
# recommendations, and every item Relay shows concerns Norway, so the word would tag Sami everywhere.
STATES = frozenset({
    "norway", "norwegian", "norwegians", "norge", "noreg", "norsk", "norske", "sweden", "swedish", "sverige",
    "svensk", "svenska", "denmark", "danish", "danmark", "finland", "finnish", "suomi", "iceland", "icelandic",
    "island", "norvège", "suède", "danemark", "islande",
})
# Metadata the model reads besides title and text: publishers' labels and the UN subjects, as words.
META_FIELDS = ("issue", "subjects", "themes", "affected_persons", "upr_issues", "conclusion")


def lower(text: str) -> str:
    """Lower-cased text of the same length, so word positions hold in the original."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def words(text: str) -> list[tuple[str, int, int]]:
    """(word, start, end) for every word that can carry meaning: two letters or more, not a number."""
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(lower(text))
            if len(m.group()) > 1 and not m.group().isdigit() and m.group() not in STATES]


def plain_words(text: str) -> list[str]:
    """words(text) without positions: the scorer's fast path."""
    return [w for w in _WORD.findall(lower(text)) if len(w) > 1 and not w.isdigit() and w not in STATES]


def word_features(word: str) -> list[str]:
    out = ["w " + word]
    if len(word) >= LONG:
        out += ["p " + word[:5], "p " + word[:6]]
        out += ["c " + word[i:i + PIECE] for i in range(len(word) - PIECE + 1)]
    return out


def analyse(text: str) -> list[str]:
    """Every feature of a text, repeated as often as it occurs (scikit-learn counts them)."""
    found = words(text)
    out: list[str] = []
    for word, _, _ in found:
        out += word_features(word)
    out += ["b " + a[0] + " " + b[0] for a, b in zip(found, found[1:], strict=False)]
    return out


def traced(text: str) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Feature counts and, for each feature, the indexes (into words(text)) of the words behind it."""
    found = words(text)
    counts: dict[str, int] = {}
    owners: dict[str, list[int]] = {}
    for n, (word, _, _) in enumerate(found):
        for feature in word_features(word):
            counts[feature] = counts.get(feature, 0) + 1
            owners.setdefault(feature, []).append(n)
    for n in range(len(found) - 1):
        feature = "b " + found[n][0] + " " + found[n + 1][0]
        counts[feature] = counts.get(feature, 0) + 1
        owners.setdefault(feature, []).extend((n, n + 1))
    return counts, owners


def item_fields(item, passages: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """(field, text) pairs the model reads: title, text, labels as words, and document passages."""
    get = (lambda k: item.get(k)) if isinstance(item, dict) else (lambda k: getattr(item, k, None))
    meta = get("meta") or {}
    out = [("title", get("title") or ""), ("text", get("text") or "")]
    for name in META_FIELDS:
        value = meta.get(name)
        if isinstance(value, list | tuple):
            value = "; ".join(str(v) for v in value)
        if isinstance(value, str) and value:
            out.append((name, value))
    out += [(name, text) for name, text in passages if text]
    return [(name, text) for name, text in out if text]


def item_features(item, passages: Iterable[tuple[str, str]] = ()) -> list[str]:
    """All the features of an item, field by field (no word pair across two fields), for training."""
    return [f for _, text in item_fields(item, passages) for f in analyse(text)]
