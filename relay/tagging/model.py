"""The learned sector model as a file, and its scorer: numpy, no scikit-learn needed to tag.

`relay tag train` (relay.tagging.train) fits TF-IDF + one logistic regression per sector with
scikit-learn and writes what the fit learned into a gzip'd JSON file: per feature its idf and its
weight for each sector, the intercepts, the thresholds tuned on the tune splits, the training
data's hash and its figures. No pickle: a model file is data, and loading one runs no code.

The scorer repeats scikit-learn's arithmetic (sublinear tf × idf, L2 norm, w·x + b, logistic) with
numpy on the features of relay.tagging.features, so each sector's score can be split back onto the
words that produced it: those words are the tag's evidence, with their positions.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from relay.tagging.features import VERSION as FEATURES_VERSION
from relay.tagging.features import item_fields, plain_words, traced, word_features, words

FORMAT = "relay-sector-model"
VERSION = 1
WORD_CACHE = 200_000  # words whose feature rows are remembered (about 40 MB at most)
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

    def __post_init__(self):
        # The arithmetic runs on arrays (one row of weights per feature): a Python loop over features ×
        # sectors cost 0.6 ms an item, the arrays about 0.05 ms (benchmarks/tagging.py).
        self._index = {f: n for n, f in enumerate(self.features)}
        self._idf = np.array([idf for idf, _ in self.features.values()], dtype=np.float64)
        self._weights = np.zeros((len(self.features), len(self.classes)), dtype=np.float64)
        for n, (_, ws) in enumerate(self.features.values()):
            for cls, w in ws.items():
                self._weights[n, cls] = w
        self._intercepts = np.array(self.intercepts, dtype=np.float64)
        self.cut = np.array([self.thresholds.get(c, 1.01) for c in self.classes])  # 1.01: never
        self._word_rows: dict[str, tuple[int, ...]] = {}  # word -> its features' rows; words repeat across items

    def _vector(self, item, passages) -> tuple[np.ndarray, np.ndarray]:
        """(feature rows, their L2-normalised sublinear tf-idf values), as scikit-learn computed them."""
        rows: list[int] = []
        index, cache = self._index, self._word_rows
        if len(cache) > WORD_CACHE:
            cache.clear()  # a long-running service meets ever new words; memory stays bounded
        for _, text in item_fields(item, passages):
            found = plain_words(text)
            for word in found:
                known = cache.get(word)
                if known is None:
                    known = cache[word] = tuple(index[f] for f in word_features(word) if f in index)
                rows += known
            rows += [n for n in (index.get(f"b {a} {b}") for a, b in zip(found, found[1:], strict=False))
                     if n is not None]
        if not rows:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        counts = Counter(rows)
        idx = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (1.0 + np.log(tf)) * self._idf[idx]
        return idx, values / (np.sqrt(values @ values) or 1.0)

    def probabilities(self, item, passages: Iterable[tuple[str, str]] = ()) -> np.ndarray:
        """Each sector's probability for an item, in the order of `classes`."""
        idx, values = self._vector(item, passages)
        raw = self._intercepts + values @ self._weights[idx] if len(idx) else self._intercepts
        return 1.0 / (1.0 + np.exp(-np.clip(raw, -500, 500)))

    def scores(self, item, passages: Iterable[tuple[str, str]] = (), *, evidence: bool = False) -> list[Score]:
        """Each sector's probability for an item; with `evidence`, the words that raised each one most."""
        passages = list(passages)
        out = [Score(sector, float(p))
               for sector, p in zip(self.classes, self.probabilities(item, passages), strict=True)]
        if evidence:
            for score in out:
                score.words = self.explain(item, score.sector, passages)
        return out

    def explain(self, item, sector: str, passages: Iterable[tuple[str, str]] = ()) -> list:
        """The words whose features pushed `sector` up most: (field, start, end, text, share of the score).

        Each feature's part of w·x is split evenly over the words that produced it (a word pair over both).
        Only computed for the sectors a tag is made for: tracing every feature back is the slow part.
        """
        passages = list(passages)
        cls = self.classes.index(sector)
        idx, values = self._vector(item, passages)
        value_of = {int(i): float(v) for i, v in zip(idx, values, strict=True)}
        share: dict[tuple[int, int], float] = {}
        traces = []
        for t, (name, text) in enumerate(item_fields(item, passages)):
            _, owners = traced(text)
            traces.append((name, text))
            for f, owned in owners.items():
                n = self._index.get(f)
                if n is None:
                    continue
                part = self._weights[n, cls] * value_of[n] / len(owned)
                if part <= 0:
                    continue
                for w in owned:
                    share[(t, w)] = share.get((t, w), 0.0) + part
        out = []
        found: dict[int, list] = {}
        for (t, w), value in sorted(share.items(), key=lambda kv: -kv[1])[:EVIDENCE_WORDS]:
            name, text = traces[t]
            _, start, end = found.setdefault(t, words(text))[w]
            out.append((name, start, end, text[start:end], round(float(value), 4)))
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
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ModelFileError(f"model file is damaged: {exc!r}") from None
        made_with = model.info.get("settings", {}).get("features_version")
        if made_with is not None and made_with != FEATURES_VERSION:
            raise ModelFileError(f"model made with features version {made_with}, this Relay computes version "
                                 f"{FEATURES_VERSION}; retrain with `relay tag train`")
        if len(model.intercepts) != len(classes):
            raise ModelFileError("model file is damaged: one intercept per sector expected")
        return model


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
    trained = model.info.get("trained_on", {})
    log.info("sector model loaded from %s (trained on %s, %s items, sha256 %s)", path, trained.get("datasets"),
             trained.get("items"), str(trained.get("sha256", ""))[:16])
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


def announce(settings) -> SectorModel | None:
    """Load the model at start so its notice (loaded, absent or unreadable: rules only) is in the start-up log."""
    try:
        return get_model(settings.path(settings.sector_model_file))
    except Exception:  # noqa: BLE001 - the service starts on the rules whatever is wrong with the model file
        log.exception("sector model not used, tagging with the rules only")
        return None


@lru_cache(maxsize=4)
def _notice_absent(path: str) -> None:
    log.warning("no sector model at %s: tagging with the rules only (train one with `relay tag train`)", path)
