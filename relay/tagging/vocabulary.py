"""The rules' sector vocabulary in nb, nn, en, sv and fr as extra training rows for the model.

The labelled sets are mostly English. The rules name each sector's words in all five languages
(config/sectors.toml), so each unambiguous term (weight 1.0, no context condition) becomes a short
row that says only "this is sector X". Through the word pieces the model then meets "omsorgsovertakinga",
"fosterhemmet" or "scolarisation" near words it has already seen, and can carry that to inflections and
compounds no rule lists. Rows from rules are known positives for their own sector only; they say nothing
about the others, and are never scored as evaluation items.
"""

from __future__ import annotations

import re

from relay.tagging.sectors import Ruleset

_MARKS = re.compile(r"[*=]|\s\.\.\s")


def vocabulary_terms(ruleset: Ruleset) -> list[tuple[str, str, str]]:
    """(row id, text, sector) for each unambiguous term: `*`, `=` and `..` taken out, the words kept."""
    rows = []
    for rule in ruleset.rules:
        if rule.kind != "text" or rule.weight < 1.0 or rule.requires or rule.unless:
            continue
        for term in rule.terms:
            text = _MARKS.sub(" ", term).strip()
            if text:
                rows.append((f"vocabulary:{rule.id}:{text}", text, rule.sector))
    return rows
