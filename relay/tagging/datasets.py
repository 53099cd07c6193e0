"""Labelled datasets for `relay tag eval`: UPR Info recommendations and Relay's own Norwegian set.

Every example has a stable id, and its split comes from a hash of that id: 60 % tune, 40 % test.
Rules are written and adjusted while looking at tune only; the test figures are the ones reported.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "labelled"
NORWAY_DIR = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "tagging"
DATASETS = {
    "upr-nordic": SHARED / "upr_info_recs_nordic_s1-20.csv",
    "upr-random": SHARED / "upr_info_recs_random3000_s1-20.csv",
    "norway": NORWAY_DIR,
}
TUNE_SHARE = 60

# SECTORS.md section 5. Issues not listed ("International instruments", "NHRI", "Other" …) expect no
# municipal sector. The tagger never sees these labels: it reads the recommendation text only.
UPR_ISSUES: dict[str, tuple[str, ...]] = {
    "Rights of the Child": ("child-welfare", "education"),
    "Women's rights": ("equality-violence",),
    "Sexual Orientation and Gender Identity": ("equality-violence",),
    "Right to education": ("education",),
    "Right to health": ("health-care",), "HIV - Aids": ("health-care",),
    "Disabilities": ("disability",),
    "Migrants": ("integration",), "Asylum-seekers - refugees": ("integration",),
    "Racial discrimination": ("integration", "minorities-sami"), "Minorities": ("integration", "minorities-sami"),
    "Indigenous peoples": ("minorities-sami",),
    "Labour": ("employment",), "Poverty": ("social-services",), "Right to housing": ("housing",),
    "Environment": ("planning-environment",), "Right to land": ("planning-environment",),
    "Right to water": ("planning-environment",),
    "Trafficking": ("justice-detention", "equality-violence"),
    **{i: ("justice-detention",) for i in (
        "Detention", "Torture and other CID treatment", "Justice", "Impunity", "Public security", "Death penalty",
        "Extrajudicial executions", "Enforced disappearances", "Human rights violations by state agents",
        "Counter-terrorism")},
    **{i: ("democracy-participation",) for i in (
        "Freedom of opinion and expression", "Freedom of the press", "Freedom of association and peaceful assembly",
        "Elections", "Civil society", "Human rights defenders")},
    "Freedom of religion and belief": ("culture-language-religion",),
    "Human rights education and training": ("governance",), "National plan of action": ("governance",),
}
# UPR Info's labels do not separate child welfare from school, nor immigrants from national
# minorities, so on the UPR sets both the gold labels and the predictions are folded into these
# merged classes before counting (docs/tagging.md, "Evaluation").
UPR_MERGE = {"child-welfare": "children", "education": "children",
             "integration": "groups", "minorities-sami": "groups"}
# The classes the UPR mapping can label at all. UPR Info has no issue for older persons or privacy, so
# an `elderly-care` or `privacy` tag can be neither confirmed nor refuted there: the evaluation lists
# such predictions apart and leaves them out of every count (docs/tagging.md, "Evaluation").
UPR_CLASSES = frozenset(UPR_MERGE.get(s, s) for sectors in UPR_ISSUES.values() for s in sectors)
STATES = {"Norway": "NOR", "Sweden": "SWE", "Denmark": "DNK", "Finland": "FIN", "Iceland": "ISL"}


class DatasetError(Exception):
    pass


@dataclass(frozen=True)
class Example:
    id: str
    item: dict  # title, text, kind, body, states, language, meta, key_case
    gold: frozenset[str]
    source: str = ""

    @property
    def split(self) -> str:
        return split_of(self.id)


def split_of(example_id: str) -> str:
    bucket = int(hashlib.sha1(example_id.encode(), usedforsecurity=False).hexdigest()[:8], 16) % 100
    return "tune" if bucket < TUNE_SHARE else "test"


def load(name: str, *, split: str = "test") -> list[Example]:
    if name not in DATASETS:
        raise DatasetError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    path = DATASETS[name]
    if not path.exists():
        raise DatasetError(f"{name}: {path} is absent (the shared samples folder is not beside this checkout)")
    examples = upr_examples(path) if name.startswith("upr") else norway_examples(path)
    return [e for e in examples if split == "all" or e.split == split]


def upr_examples(path: Path) -> list[Example]:
    out = []
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            text = row["Text"].strip()
            natural = "|".join((row["To"], row["Session"], row["From"], text))  # the source's own dedup key
            ident = "upr:" + hashlib.sha1(natural.encode(), usedforsecurity=False).hexdigest()[:12]
            gold = {s for issue in row["Issue"].split(",") for s in UPR_ISSUES.get(issue.strip(), ())}
            item = {"title": "", "text": text, "kind": "recommendation", "body": "UPR",
                    "states": STATES.get(row["To"], ""), "language": "en", "meta": {}, "key_case": False}
            out.append(Example(ident, item, frozenset(gold), source=f"UPR {row['Session']} {row['To']}"))
    return out


def norway_examples(folder: Path) -> list[Example]:
    out, seen = [], set()
    for path in sorted(folder.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                ident, gold = row.pop("id"), frozenset(row.pop("gold_sectors"))
            except (ValueError, KeyError) as exc:
                raise DatasetError(f"{path.name} line {n}: {exc}") from None
            if ident in seen:
                raise DatasetError(f"{path.name} line {n}: duplicate id {ident}")
            seen.add(ident)
            row.pop("note", None)  # the labeller's reason, for people; the tagger never reads it
            item = {"title": "", "text": "", "kind": "", "body": None, "states": "", "language": None,
                    "meta": {}, "key_case": False, **row}
            out.append(Example(ident, item, gold, source=path.stem))
    return out
