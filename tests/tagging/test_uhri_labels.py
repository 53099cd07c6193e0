"""UHRI themes and affected persons meet the metadata rules through feeds.uhri.normalise_label.

UHRI vintages write "Minorities / racial …", "Minorities/ racial …" and "Minorities/racial …"; the
collector stores one spelling and the tagger must compare through the same function, whichever
spelling a rule or a stored item carries.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds import uhri
from feeds.records import SourceConfig
from relay.tagging.engine import tag
from relay.tagging.sectors import get_ruleset, norm_value

RULES = get_ruleset("config/sectors.toml")
MIXED = Path(__file__).resolve().parents[1] / "fixtures" / "uhri" / "norway_mixed.json"
MINORITIES = "Minorities/racial, ethnic, linguistic, religious or descent-based groups"
UHRI_FIELDS = ("themes", "affected_persons")


def _meta_rules(item: dict) -> set[str]:
    return {e.rule for d in tag(item, ruleset=RULES) for e in d.evidence if e.kind == "meta"}


def test_every_uhri_rule_value_reads_the_same_after_the_collectors_normalisation():
    values = [v for r in RULES.rules if r.field in UHRI_FIELDS for v in r.values]
    assert values
    assert all(norm_value(uhri.normalise_label(v)) == v for v in values)


@pytest.mark.parametrize("spelling", [
    MINORITIES, MINORITIES.replace("/", " / "), MINORITIES.replace("/", "/ "), "  " + MINORITIES.replace(", ", ",  "),
])
def test_each_uhri_spelling_of_a_label_fires_the_same_rule(spelling):
    item = {"title": "", "text": "", "kind": "recommendation", "body": "CERD", "states": "NOR",
            "meta": {"affected_persons": [spelling, "Indigenous peoples"]}}
    assert "minorities-sami.meta.minorities-label" in _meta_rules(item)


def test_labels_as_the_uhri_collector_stores_them_fire_the_meta_rules():
    records = {r.key: r for r in uhri.parse(MIXED.read_bytes(), source=SourceConfig(key="uhri", kind="uhri")).records}
    record = records["uhri:0f1e2d3c-1111-4a5b-8c9d-000000000002"]
    item = {"title": record.title, "text": record.text, "kind": record.kind, "body": record.body,
            "states": ";".join(record.states), "meta": record.meta}
    assert {"minorities-sami.meta.minorities-label", "minorities-sami.meta.affected"} <= _meta_rules(item)
