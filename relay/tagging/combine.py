"""Rules and model together (docs/tagging.md, "Combination policy").

1. A sector the rules emit is kept, with the rules' evidence: they are precise and explain themselves.
2. The model adds a sector the rules missed when its probability reaches that sector's threshold,
   learned on the tune splits only (cross-validated, relay.tagging.train). Its evidence is the
   words that raised the score most, with their positions, and the probability as the tag's score.
3. When neither gave the item any sector, the model's best sector is added if it reaches the
   floor (also learned on tune), so fewer relevant items reach governors with no sector at all.
   Only for items with at least FLOOR_WORDS words: on a bare title ("CASE OF M.H. AND OTHERS") one
   weak word carries the whole normalised vector, and a guess there would be a guess.

The model never removes a rule's sector, and a governor's decision beats both (relay.tagging.apply).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from relay.tagging.engine import Evidence, Match, TagDecision, tag
from relay.tagging.features import item_fields, plain_words
from relay.tagging.model import Score, SectorModel
from relay.tagging.sectors import SECTOR_IDS, Ruleset

MODEL_RULE = "model"  # the rule id a model tag's evidence carries
FLOOR_WORDS = 8


def enough_words(item, passages=()) -> bool:
    return sum(len(plain_words(text)) for _, text in item_fields(item, passages)) >= FLOOR_WORDS


def model_decision(score: Score, model: SectorModel, item, passages=()) -> TagDecision:
    """A model score as a tag: one evidence entry per field, the words as highlighted matches."""
    by_field: dict[str, list[Match]] = {}
    for name, start, end, text, _ in score.words or model.explain(item, score.sector, passages):
        by_field.setdefault(name, []).append(Match(start, end, text))
    probability = round(score.probability, 3)
    evidence = tuple(Evidence(MODEL_RULE, "model", probability, name, tuple(sorted(ms, key=lambda m: m.start)))
                     for name, ms in by_field.items())
    if not evidence:  # a score with no positive word (intercept alone) still says where it came from
        evidence = (Evidence(MODEL_RULE, "model", probability, ""),)
    return TagDecision(score.sector, probability, evidence, origin="model")


def combine(rules: list[TagDecision], probs: np.ndarray, model: SectorModel, item,
            passages=()) -> list[TagDecision]:
    """The policy above over one item's rule decisions and model probabilities, in SECTORS.md order."""
    chosen = {d.sector: d for d in rules}
    for n in np.flatnonzero(probs >= model.cut):
        sector = model.classes[n]
        if sector not in chosen:
            chosen[sector] = model_decision(Score(sector, float(probs[n])), model, item, passages)
    if not chosen and model.floor is not None and len(probs) and enough_words(item, passages):
        best = int(np.argmax(probs))
        if probs[best] >= model.floor:
            chosen[model.classes[best]] = model_decision(Score(model.classes[best], float(probs[best])), model, item,
                                                         passages)
    return [chosen[s] for s in SECTOR_IDS if s in chosen]


def tag_with_model(item, *, ruleset: Ruleset | None = None, model: SectorModel | None = None,
                   passages: Iterable[tuple[str, str]] = (), mode: str = "combined") -> list[TagDecision]:
    """Decisions of one of the three taggers `relay tag eval` compares: rules, model or combined.

    Without a model, "combined" is the rules alone (the service's fallback); "model" needs one.
    """
    passages = list(passages)
    if mode == "rules" or (model is None and mode == "combined"):
        return tag(item, ruleset=ruleset, passages=passages)
    if model is None:
        raise ValueError("mode 'model' needs a trained model")
    if mode == "model":
        alone = model.alone or model.thresholds
        return [model_decision(s, model, item, passages) for s in model.scores(item, passages)
                if s.probability >= alone.get(s.sector, 1.01)]
    return combine(tag(item, ruleset=ruleset, passages=passages), model.probabilities(item, passages), model, item,
                   passages)
