"""Per-sector precision, recall and F1 with micro and macro averages, and the misclassified items.

Conventions (docs/tagging.md): precision is 0 when a class was never predicted, recall 0 when it
never occurs in the gold labels; a class enters the macro average when it occurs in the gold labels
or in the predictions of the evaluated split. A class the dataset's labels cannot express (UPR Info
has no issue for older persons or privacy) is "not measurable": its predictions are counted apart, in
`Report.unmeasured`, and enter neither the per-class figures nor micro or macro.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from relay.tagging.datasets import UPR_CLASSES, UPR_MERGE, Example
from relay.tagging.engine import TagDecision, tag
from relay.tagging.sectors import SECTOR_IDS, Ruleset

MIN_SUPPORT = 10  # fewer gold items than this: the class's F1 is shown but marked "too few to judge"
Intervals = dict[str, tuple[float, float]]


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass
class Miss:
    id: str
    source: str
    text: str
    gold: frozenset[str]
    predicted: frozenset[str]
    decisions: list[TagDecision]


@dataclass
class Report:
    classes: dict[str, Counts] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)
    items: int = 0
    unmeasured: dict[str, int] = field(default_factory=dict)  # class -> items predicted, not scored
    sets: list[tuple[frozenset[str], frozenset[str]]] = field(default_factory=list)  # (gold, predicted) per item

    @property
    def exact_match(self) -> float:
        """Share of items whose predicted set equals the gold set (merged and measurable classes)."""
        return sum(g == p for g, p in self.sets) / len(self.sets) if self.sets else 0.0

    @property
    def no_sector(self) -> float:
        """Share of items given no sector at all."""
        return sum(not p for _, p in self.sets) / len(self.sets) if self.sets else 0.0

    @property
    def no_sector_relevant(self) -> float:
        """Share of the items that have a gold sector (relevant to a municipality) given none."""
        relevant = [p for g, p in self.sets if g]
        return sum(not p for p in relevant) / len(relevant) if relevant else 0.0

    @property
    def micro(self) -> Counts:
        return Counts(*(sum(getattr(c, k) for c in self.classes.values()) for k in ("tp", "fp", "fn")))

    @property
    def macro_f1(self) -> float:
        used = [c for c in self.classes.values() if c.support or c.fp]
        return sum(c.f1 for c in used) / len(used) if used else 0.0

    @property
    def macro_f1_judged(self) -> float | None:
        """Macro-F1 over the classes with at least MIN_SUPPORT gold items (the ones whose F1 means something);
        None when no class has that many."""
        used = [c for c in self.classes.values() if c.support >= MIN_SUPPORT]
        return sum(c.f1 for c in used) / len(used) if used else None

    @property
    def macro_precision(self) -> float:
        used = [c for c in self.classes.values() if c.support or c.fp]
        return sum(c.precision for c in used) / len(used) if used else 0.0

    @property
    def macro_recall(self) -> float:
        used = [c for c in self.classes.values() if c.support or c.fp]
        return sum(c.recall for c in used) / len(used) if used else 0.0


def score(pairs: Iterable[tuple[Example, list[TagDecision]]], *, merge: dict[str, str] | None = None,
          measurable: frozenset[str] | None = None) -> Report:
    """Count a report from (example, decisions) pairs; `merge` folds sectors into merged classes.

    `measurable` names the classes the dataset's labels can express (None: all). A prediction of any
    other class is no error of the tagger, since no gold label could confirm it: it is tallied in
    `unmeasured` and left out of the counts and of the misses.
    """
    merge = merge or {}
    order = [c for c in dict.fromkeys(merge.get(s, s) for s in SECTOR_IDS) if measurable is None or c in measurable]
    report = Report(classes={c: Counts() for c in order})
    for example, decisions in pairs:
        report.items += 1
        gold = frozenset(merge.get(s, s) for s in example.gold)
        predicted = frozenset(merge.get(d.sector, d.sector) for d in decisions)
        if measurable is not None:
            for cls in sorted(predicted - measurable):
                report.unmeasured[cls] = report.unmeasured.get(cls, 0) + 1
            predicted &= measurable
        for cls in gold | predicted:
            counts = report.classes.setdefault(cls, Counts())
            if cls in gold and cls in predicted:
                counts.tp += 1
            elif cls in predicted:
                counts.fp += 1
            else:
                counts.fn += 1
        report.sets.append((gold, predicted))
        if gold != predicted:
            report.misses.append(Miss(example.id, example.source, example.item.get("title") or example.item["text"],
                                      gold, predicted, decisions))
    return report


def evaluate(examples: list[Example], *, ruleset: Ruleset | None = None, upr: bool = False,
             predict: Callable[[dict], list[TagDecision]] | None = None) -> Report:
    """Score a tagger on examples: the rules by default, or any `predict(item)` (model, combination)."""
    predict = predict or (lambda item: tag(item, ruleset=ruleset))
    return score(((e, predict(e.item)) for e in examples), merge=UPR_MERGE if upr else None,
                 measurable=UPR_CLASSES if upr else None)


def format_report(report: Report, *, title: str, show_misses: int = 50, intervals: Intervals | None = None) -> str:
    """The figures as text; with `intervals`, each F1 gets its bootstrap 95 % interval, and a class with
    support under MIN_SUPPORT is marked "too few to judge" instead of being read as a verdict."""
    lines = [title, f"{report.items} items", "",
             f"{'sector':28} {'prec':>6} {'recall':>6} {'F1':>6} {'95% interval':>13} {'gold':>5} {'tp':>5} "
             f"{'fp':>5} {'fn':>5}"]
    for cls, c in report.classes.items():
        if not (c.support or c.fp):
            continue
        lines.append(f"{cls:28} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} {_ci(intervals, cls):>13} "
                     f"{c.support:5} {c.tp:5} {c.fp:5} {c.fn:5}"
                     + ("  too few to judge" if c.support < MIN_SUPPORT else ""))
    m = report.micro
    lines += ["", f"{'micro':28} {m.precision:6.3f} {m.recall:6.3f} {m.f1:6.3f} {_ci(intervals, 'micro'):>13} "
                  f"{m.support:5} {m.tp:5} {m.fp:5} {m.fn:5}",
              f"{'macro':28} {report.macro_precision:6.3f} {report.macro_recall:6.3f} {report.macro_f1:6.3f} "
              f"{_ci(intervals, 'macro'):>13}",
              f"{'macro, support >= ' + str(MIN_SUPPORT):28} {'':6} {'':6} {_or_none(report.macro_f1_judged):>6}",
              f"{'exact-set match':28} {report.exact_match:6.3f}",
              f"{'no sector (all items)':28} {report.no_sector:6.3f}",
              f"{'no sector (gold has one)':28} {report.no_sector_relevant:6.3f}"]
    if report.unmeasured:
        lines += ["", "not measurable on this dataset (no label maps to it; predictions not counted above):"]
        lines += [f"  {cls:26} {n:5} items predicted" for cls, n in report.unmeasured.items()]
    if report.misses and show_misses:
        lines += ["", f"misclassified: {len(report.misses)} (showing {min(show_misses, len(report.misses))})"]
        for miss in report.misses[:show_misses]:
            lines.append(f"- {miss.id} [{miss.source}] gold={sorted(miss.gold)} predicted={sorted(miss.predicted)}")
            lines.append(f"    {miss.text[:160]}")
            for d in miss.decisions:
                why = "; ".join(_why(e) for e in d.evidence[:4])
                lines.append(f"    {d.sector} {d.score:.2f}: {why}")
    return "\n".join(lines)


def _or_none(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _ci(intervals: Intervals | None, key: str) -> str:
    if intervals is None or key not in intervals:
        return ""
    low, high = intervals[key]
    return f"{low:.3f}–{high:.3f}"


def bootstrap(report: Report, *, rounds: int = 1000, seed: int = 22) -> Intervals:
    """95 % percentile intervals of each class's F1, micro-F1 and macro-F1, resampling items with replacement."""
    rng = random.Random(seed)  # fixed: the same data prints the same interval
    n = len(report.sets)
    draws: dict[str, list[float]] = {}
    classes = [c for c, k in report.classes.items() if k.support or k.fp]
    for _ in range(rounds if n else 0):
        counts = {c: [0, 0, 0] for c in classes}
        for _ in range(n):
            gold, predicted = report.sets[rng.randrange(n)]
            for c in gold | predicted:
                if c in counts:
                    counts[c][0 if c in gold and c in predicted else 1 if c in predicted else 2] += 1
        f1s = {c: _f1(*k) for c, k in counts.items()}
        for c in classes:
            draws.setdefault(c, []).append(f1s[c])
        draws.setdefault("micro", []).append(_f1(*(sum(k[i] for k in counts.values()) for i in range(3))))
        used = [f1s[c] for c, k in counts.items() if k[0] or k[1] or k[2]]
        draws.setdefault("macro", []).append(sum(used) / len(used) if used else 0.0)
    out = {}
    for key, values in draws.items():
        values.sort()
        out[key] = (values[int(0.025 * (len(values) - 1))], values[int(0.975 * (len(values) - 1))])
    return out


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _why(e) -> str:
    what = ", ".join(f"'{m.text}'@{m.start}" for m in e.matches[:3]) or ", ".join(e.values[:3])
    return f"{e.rule} {e.field}={what}"
