"""Per-sector precision, recall and F1 with micro and macro averages, and the misclassified items.

Conventions (docs/tagging.md): precision is 0 when a class was never predicted, recall 0 when it
never occurs in the gold labels; a class enters the macro average when it occurs in the gold labels
or in the predictions of the evaluated split. A class the dataset's labels cannot express (UPR Info
has no issue for older persons or privacy) is "not measurable": its predictions are counted apart, in
`Report.unmeasured`, and enter neither the per-class figures nor micro or macro.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from relay.tagging.datasets import UPR_CLASSES, UPR_MERGE, Example
from relay.tagging.engine import TagDecision, tag
from relay.tagging.sectors import SECTOR_IDS, Ruleset


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

    @property
    def micro(self) -> Counts:
        return Counts(*(sum(getattr(c, k) for c in self.classes.values()) for k in ("tp", "fp", "fn")))

    @property
    def macro_f1(self) -> float:
        used = [c for c in self.classes.values() if c.support or c.fp]
        return sum(c.f1 for c in used) / len(used) if used else 0.0

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
        if gold != predicted:
            report.misses.append(Miss(example.id, example.source, example.item.get("title") or example.item["text"],
                                      gold, predicted, decisions))
    return report


def evaluate(examples: list[Example], *, ruleset: Ruleset | None = None, upr: bool = False) -> Report:
    predict: Callable[[dict], list[TagDecision]] = lambda item: tag(item, ruleset=ruleset)  # noqa: E731
    return score(((e, predict(e.item)) for e in examples), merge=UPR_MERGE if upr else None,
                 measurable=UPR_CLASSES if upr else None)


def format_report(report: Report, *, title: str, show_misses: int = 50) -> str:
    lines = [title, f"{report.items} items", "",
             f"{'sector':28} {'prec':>6} {'recall':>6} {'F1':>6} {'gold':>5} {'tp':>5} {'fp':>5} {'fn':>5}"]
    for cls, c in report.classes.items():
        if not (c.support or c.fp):
            continue
        lines.append(f"{cls:28} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} {c.support:5} {c.tp:5} {c.fp:5} "
                     f"{c.fn:5}")
    m = report.micro
    lines += ["", f"{'micro':28} {m.precision:6.3f} {m.recall:6.3f} {m.f1:6.3f} {m.support:5} {m.tp:5} {m.fp:5} "
                  f"{m.fn:5}",
              f"{'macro':28} {report.macro_precision:6.3f} {report.macro_recall:6.3f} {report.macro_f1:6.3f}"]
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


def _why(e) -> str:
    what = ", ".join(f"'{m.text}'@{m.start}" for m in e.matches[:3]) or ", ".join(e.values[:3])
    return f"{e.rule} {e.field}={what}"
