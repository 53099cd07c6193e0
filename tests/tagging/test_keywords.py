"""HUDOC keyword ids in evidence are shown with the Court's words."""

from __future__ import annotations

from relay.models import Item, Tag
from relay.tagging.keywords import describe_keywords, keyword_labels
from relay.tagging.sectors import get_ruleset
from relay.web.pages.desk.queue import evidence_rows


def test_every_keyword_id_the_rules_name_has_a_label():
    named = {value for rule in get_ruleset().rules if rule.field == "kpthesaurus" for value in rule.values}
    assert named and named <= set(keyword_labels())


def test_ids_are_described_alone_or_several_and_unknown_ones_stay_bare():
    assert describe_keywords("425") == "425 (Art. 8-1) Respect for family life"
    assert describe_keywords(["425", "999999"]) == "425 (Art. 8-1) Respect for family life; 999999"


def test_the_queue_evidence_names_the_keyword():
    item = Item(id=1, title="X v. Norway", meta={"kpthesaurus": ["425"]})
    tag = Tag(sector="child-welfare", evidence=[{"rule": "child-welfare.meta.hudoc-family-life", "kind": "meta",
                                                 "field": "kpthesaurus", "value": "425", "weight": 1.0}])
    [row] = evidence_rows(item, tag)
    assert row["value"] == "425 (Art. 8-1) Respect for family life"
