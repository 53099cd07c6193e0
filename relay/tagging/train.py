"""`relay tag train`: fit the sector model on tune splits (and governors' decisions), tune its thresholds.

Only tune splits are read. The thresholds of the combination policy (relay.tagging.combine) are
chosen on out-of-fold scores: the tune items are cut into FOLDS parts by a hash of their id, the
model is fitted on four and scores the fifth, and each sector's threshold is the one that gives the
best F1 of rules-plus-model over all tune items. Sectors with fewer than MIN_SUPPORT positive tune
items share one threshold learned over all sectors together, since ten examples tune nothing.

Labels are partial where a dataset cannot say: UPR Info's "Rights of the Child" does not separate
child welfare from school, so such an item teaches neither sector; it has no issue for older
persons or privacy, so UPR items teach those sectors nothing (relay.tagging.datasets).

scikit-learn is needed here only; tagging reads the saved file with relay.tagging.model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from relay.tagging.combine import enough_words
from relay.tagging.datasets import UPR_MERGE, Example, load
from relay.tagging.engine import tag
from relay.tagging.features import VERSION as FEATURES_VERSION
from relay.tagging.features import item_features
from relay.tagging.model import SectorModel
from relay.tagging.sectors import SECTOR_IDS, Ruleset
from relay.tagging.vocabulary import vocabulary_terms

FOLDS = 5
MIN_SUPPORT = 10
MIN_POSITIVES = 3  # a sector with fewer known positives gets no model weights (the rules alone decide it)
C = 16.0  # inverse regularisation: chosen on tune folds among 1, 4 and 16 (combined OOF micro-F1 .872, .878, .882)
GRID = [round(0.05 * n, 2) for n in range(4, 20)] + [0.97, 0.99]  # candidate thresholds 0.20 … 0.99
UPR_UNKNOWN = frozenset({"elderly-care", "privacy"})


@dataclass(frozen=True)
class Labelled:
    id: str
    item: dict
    known: dict[str, bool]  # sector -> present; sectors the source cannot say are left out
    weight: float = 1.0  # in fitting and threshold choice: each dataset counts as much as each other


def known_labels(example: Example, *, upr: bool) -> dict[str, bool]:
    """What an example says about each sector (see the module docstring for the partial UPR labels)."""
    if not upr:
        return {s: s in example.gold for s in SECTOR_IDS}
    known = {s: s in example.gold for s in SECTOR_IDS if s not in UPR_UNKNOWN}
    for merged in set(UPR_MERGE.values()):
        pair = [s for s, m in UPR_MERGE.items() if m == merged]
        if all(s in example.gold for s in pair):  # "Rights of the Child", "Minorities": which one is unsaid
            for s in pair:
                known.pop(s)
    return known


def labelled(names: Iterable[str]) -> list[Labelled]:
    """The tune rows of each dataset, weighted so that each dataset weighs the same in total: 1,757 UPR
    recommendations would otherwise outvote the 116 Norwegian items shaped like what Relay collects."""
    sets = {name: load(name, split="tune") for name in names}
    total = sum(len(v) for v in sets.values())
    out = []
    for name, examples in sets.items():
        upr, weight = name.startswith("upr"), total / (len(sets) * len(examples)) if examples else 1.0
        out += [Labelled(e.id, e.item, known_labels(e, upr=upr), round(weight, 6)) for e in examples]
    return out


def data_hash(rows: list[Labelled]) -> str:
    """sha256 over the training rows in id order: the same data gives the same hash on any machine."""
    digest = hashlib.sha256()
    for row in sorted(rows, key=lambda r: r.id):
        digest.update(json.dumps([row.id, row.item, sorted(row.known.items())], sort_keys=True,
                                 ensure_ascii=False, default=str).encode())
    return digest.hexdigest()


def fit(rows: list[Labelled], *, c: float = C) -> SectorModel:
    """TF-IDF over relay.tagging.features and one class-weighted logistic regression per sector."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    docs = [item_features(r.item) for r in rows]
    vectoriser = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, min_df=2, norm="l2")
    matrix = vectoriser.fit_transform(docs)
    names = vectoriser.get_feature_names_out()
    weights: dict[int, dict[int, float]] = {}
    intercepts = []
    for cls, sector in enumerate(SECTOR_IDS):
        index = [n for n, r in enumerate(rows) if sector in r.known]
        target = [rows[n].known[sector] for n in index]
        if sum(target) < MIN_POSITIVES or all(target):
            intercepts.append(-30.0)  # never above a threshold: the rules alone decide this sector
            continue
        fitted = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", max_iter=1000, random_state=0)
        fitted.fit(matrix[index], target)  # weighting the fit by dataset too was tried: no gain on tune folds
        intercepts.append(round(float(fitted.intercept_[0]), 6))
        for f, w in enumerate(fitted.coef_[0]):
            if abs(w) >= 1e-3:  # smaller weights change no probability in the third decimal
                weights.setdefault(f, {})[cls] = round(float(w), 4)
    idf = vectoriser.idf_
    features = {str(names[f]): (round(float(idf[f]), 5), weights.get(f, {})) for f in range(len(names))}
    return SectorModel(list(SECTOR_IDS), intercepts, features, thresholds={})


def fold_of(row_id: str) -> int:
    return int(hashlib.sha1(row_id.encode(), usedforsecurity=False).hexdigest()[8:16], 16) % FOLDS


def out_of_fold(rows: list[Labelled], *, c: float = C, always: list[Labelled] = ()) -> list[dict[str, float]]:
    """Each row's sector probabilities from a model that never saw it (`always`: fitted in every fold)."""
    probs: list[dict[str, float]] = [{} for _ in rows]
    for fold in range(FOLDS):
        model = fit([r for r in rows if fold_of(r.id) != fold] + list(always), c=c)
        for n, row in enumerate(rows):
            if fold_of(row.id) == fold:
                probs[n] = {s.sector: s.probability for s in model.scores(row.item)}
    return probs


def _f1(tp: float, fp: float, fn: float) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _counts(rows, probs, fired, sector: str, t: float) -> tuple[float, float, float]:
    """Weighted true positives, false positives and false negatives of rules-or-model at threshold t."""
    tp = fp = fn = 0.0
    for row, p, rules in zip(rows, probs, fired, strict=True):
        if sector not in row.known:
            continue
        said = sector in rules or p.get(sector, 0.0) >= t
        tp += row.weight * (said and row.known[sector])
        fp += row.weight * (said and not row.known[sector])
        fn += row.weight * ((not said) and row.known[sector])
    return tp, fp, fn


def thresholds(rows: list[Labelled], probs, fired: list[set[str]]) -> dict[str, float]:
    """Per sector the threshold with the best F1 of rules-or-model; sparse sectors share a pooled one."""
    def pooled(t: float) -> float:
        return _f1(*[sum(x) for x in zip(*(_counts(rows, probs, fired, s, t) for s in SECTOR_IDS), strict=True)])
    shared = max(GRID, key=lambda t: (pooled(t), t))
    out = {}
    for sector in SECTOR_IDS:
        support = sum(1 for r in rows if r.known.get(sector))  # items, not weights: ten examples tune nothing
        if support < MIN_SUPPORT:
            out[sector] = shared
        else:
            out[sector] = max(GRID, key=lambda t, s=sector: (_f1(*_counts(rows, probs, fired, s, t)), t))
    return out


def floor(rows: list[Labelled], probs, fired: list[set[str]], cut: dict[str, float]) -> float | None:
    """The score at which an item nothing tagged gets its best sector, if any floor improves tune micro-F1."""
    def micro(f: float | None) -> float:
        tp = fp = fn = 0.0
        for row, p, rules in zip(rows, probs, fired, strict=True):
            said = set(rules) | {s for s, v in p.items() if v >= cut.get(s, 1.01)}
            if not said and f is not None and p and enough_words(row.item):
                best = max(p, key=p.get)
                if p[best] >= f:
                    said = {best}
            for s, present in row.known.items():
                tp += row.weight * (s in said and present)
                fp += row.weight * (s in said and not present)
                fn += row.weight * (s not in said and present)
        return _f1(tp, fp, fn)
    best = max([None, *GRID], key=lambda f: (micro(f), -(f or 2.0)))
    return best


def vocabulary_rows(ruleset: Ruleset) -> list[Labelled]:
    """The rules' unambiguous terms in five languages, each a row that is a known positive of its sector only."""
    return [Labelled(ident, {"title": "", "text": text}, {sector: True})
            for ident, text, sector in vocabulary_terms(ruleset)]


def train(names: Iterable[str], *, ruleset: Ruleset, extra: Iterable[Labelled] = (), c: float = C,
          vocabulary: bool = True) -> SectorModel:
    """Fit on the tune splits of `names` plus `extra` rows (governors' decisions) and, with `vocabulary`,
    the rules' terms (relay.tagging.vocabulary); thresholds and figures come from the tune rows only."""
    names, extra = list(names), list(extra)
    rows = labelled(names) + extra
    if not rows:
        raise ValueError("no training rows")
    vocab = vocabulary_rows(ruleset) if vocabulary else []
    probs = out_of_fold(rows, c=c, always=vocab)
    fired = [{d.sector for d in tag(r.item, ruleset=ruleset)} for r in rows]
    cut = thresholds(rows, probs, fired)
    alone = thresholds(rows, probs, [set() for _ in rows])
    model = fit(rows + vocab, c=c)
    model.thresholds, model.alone = cut, alone
    model.floor = floor(rows, probs, fired, cut)
    model.info = {"trained_on": {"datasets": names, "splits": "tune", "items": len(rows),
                                 "decision_items": len(extra), "vocabulary_terms": len(vocab),
                                 "sha256": data_hash(rows + vocab)},
                  "settings": {"C": c, "folds": FOLDS, "min_df": 2, "features": "words, word pairs, word pieces",
                               "features_version": FEATURES_VERSION},
                  "figures": _figures(rows, probs, fired, cut, model.floor)}
    return model


def _figures(rows, probs, fired, cut, floor_at) -> dict:
    """Out-of-fold tune figures (unmerged sectors, known labels only), stored in the file for the record."""
    out = {}
    for name, use_rules, use_model in (("rules", True, False), ("model", False, True), ("combined", True, True)):
        tp = fp = fn = 0
        for row, p, rules in zip(rows, probs, fired, strict=True):
            said = (set(rules) if use_rules else set()) | (
                {s for s, v in p.items() if v >= cut.get(s, 1.01)} if use_model else set())
            for s, present in row.known.items():
                tp += s in said and present
                fp += s in said and not present
                fn += s not in said and present
        out[f"tune_oof_micro_f1_{name}"] = round(_f1(tp, fp, fn), 4)
    out["positives"] = {s: sum(1 for r in rows if r.known.get(s)) for s in SECTOR_IDS}
    return out
