"""The learned sector model as a file, and its scorer: pure Python, no scikit-learn needed to tag.

`relay tag train` (relay.tagging.train) fits TF-IDF + one logistic regression per sector with
scikit-learn and writes what the fit learned into a gzip'd JSON file: per feature its idf and its
weight for each sector, the intercepts, the thresholds tuned on the tune splits, the training
data's hash and its figures. No pickle: a model file is data, and loading one runs no code.

The scorer repeats scikit-learn's arithmetic (sublinear tf × idf, L2 norm, w·x + b, logistic) on
the features of relay.tagging.features, field by field, so each sector's score can be split back
onto the words that produced it: those words are the tag's evidence, with their positions.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from relay.tagging.features import item_fields, traced, words

FORMAT = "relay-sector-model"
VERSION = 1
EVIDENCE_WORDS = 5  # words shown per model tag: enough to see why, few enough to read
log = logging.getLogger(__name__)


class ModelFileError(Exception):
    pass


@dataclass
class Score:
    sector: str
    probability: float
    words: list[tuple[str, int, int, str, float]] = field(default_factory=list)  # field, start, end, text, share


@dataclass
class SectorModel:
    classes: list[str]
    intercepts: list[float]
    features: dict[str, tuple[float, dict[int, float]]]  # feature -> (idf, {class index: weight})
    thresholds: dict[str, float]
    floor: float | None = None  # the top sector is added at this score when nothing else tagged the item
    alone: dict[str, float] = field(default_factory=dict)  # thresholds for the model without rules (eval only)
    info: dict = field(default_factory=dict)  # version, trained_on (datasets, items, sha256), figures

    def scores(self, item, passages: Iterable[tuple[str, str]] = (), *, evidence: bool = True) -> list[Score]:
        """Each sector's probability for an item, with the words that raised it most (when evidence)."""
        counts: dict[str, int] = {}
        traces: list[tuple[str, str, dict[str, list[int]]]] = []
        for name, text in item_fields(item, passages):
            c, owners = traced(text)
            for f, n in c.items():
                counts[f] = counts.get(f, 0) + n
            traces.append((name, text, owners))
        values: dict[str, float] = {}
        for f, n in counts.items():
            known = self.features.get(f)
            if known is not None:
                values[f] = (1.0 + math.log(n)) * known[0]
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        raw = list(self.intercepts)
        for f, v in values.items():
            for cls, weight in self.features[f][1].items():
                raw[cls] += weight * v / norm
        out = [Score(sector, _logistic(z)) for sector, z in zip(self.classes, raw, strict=True)]
        if evidence:
            for cls, score in enumerate(out):
                if score.probability >= min(self.thresholds.get(score.sector, 0.5), self.floor or 1.0):
                    score.words = self._words(cls, values, norm, traces)
        return out

    def _words(self, cls: int, values: dict[str, float], norm: float, traces) -> list:
        """The words whose features pushed sector `cls` up most, with field and position."""
        share: dict[tuple[int, int], float] = {}
        for t, (_, _, owners) in enumerate(traces):
            for f, idx in owners.items():
                weight = self.features.get(f, (0.0, {}))[1].get(cls)
                if not weight or weight <= 0 or f not in values:
                    continue
                part = weight * values[f] / norm / len(idx)
                for n in idx:
                    share[(t, n)] = share.get((t, n), 0.0) + part
        top = sorted(share.items(), key=lambda kv: -kv[1])[:EVIDENCE_WORDS]
        out = []
        cache: dict[int, list] = {}
        for (t, n), value in top:
            name, text, _ = traces[t]
            found = cache.setdefault(t, words(text))
            _, start, end = found[n]
            out.append((name, start, end, text[start:end], round(value, 4)))
        return out

    def to_json(self) -> dict:
        return {"format": FORMAT, "version": VERSION, **self.info, "classes": self.classes,
                "intercepts": self.intercepts, "thresholds": self.thresholds, "floor": self.floor,
                "alone": self.alone,
                "features": {f: [idf, {str(c): w for c, w in ws.items()}] for f, (idf, ws) in self.features.items()}}

    @classmethod
    def from_json(cls, data: dict) -> SectorModel:
        if data.get("format") != FORMAT:
            raise ModelFileError("not a Relay sector model (format field missing or different)")
        if data.get("version") != VERSION:
            raise ModelFileError(f"model file version {data.get('version')}, this Relay reads version {VERSION}; "
                                 "retrain with `relay tag train`")
        try:
            classes = list(data["classes"])
            features = {f: (float(idf), {int(c): float(w) for c, w in ws.items()})
                        for f, (idf, ws) in data["features"].items()}
            model = cls(classes, [float(b) for b in data["intercepts"]], features,
                        {k: float(v) for k, v in data["thresholds"].items()},
                        None if data.get("floor") is None else float(data["floor"]),
                        {k: float(v) for k, v in data.get("alone", {}).items()},
                        {k: data[k] for k in ("trained_on", "figures", "created", "settings") if k in data})
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"model file is damaged: {exc!r}") from None
        if len(model.intercepts) != len(classes):
            raise ModelFileError("model file is damaged: one intercept per sector expected")
        return model


def _logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0


def save(model: SectorModel, path: str | os.PathLike) -> None:
    """Write the model reproducibly: sorted keys and no gzip timestamp, so the same fit gives the same bytes."""
    body = json.dumps(model.to_json(), sort_keys=True, separators=(",", ":")).encode()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as handle:
        handle.write(body)
    tmp.replace(path)


def load(path: str | os.PathLike) -> SectorModel:
    try:
        with gzip.open(path, "rb") as handle:
            return SectorModel.from_json(json.loads(handle.read()))
    except (OSError, EOFError, ValueError) as exc:
        raise ModelFileError(f"{path}: cannot read the model file: {exc}") from None


def default_path() -> Path:
    from relay.settings import get_settings

    settings = get_settings()
    return settings.path(settings.sector_model_file)


@lru_cache(maxsize=4)
def _cached(path: str, mtime: float) -> SectorModel | None:
    try:
        model = load(path)
    except ModelFileError as exc:
        log.warning("sector model not used, tagging with the rules only: %s", exc)
        return None
    log.info("sector model loaded from %s (trained on %s)", path, model.info.get("trained_on", {}).get("datasets"))
    return model


def get_model(path: str | os.PathLike | None = None) -> SectorModel | None:
    """The model, loaded once per file version; None (rules only, with one logged notice) when absent or unreadable."""
    path = Path(path) if path is not None else default_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        _notice_absent(str(path))
        return None
    return _cached(str(path), mtime)


@lru_cache(maxsize=4)
def _notice_absent(path: str) -> None:
    log.warning("no sector model at %s: tagging with the rules only (train one with `relay tag train`)", path)
