"""Words for the HUDOC keyword ids (kpthesaurus) the rules name: config/hudoc_keywords.toml, beside
config/sectors.toml. Evidence shows "425 (Art. 8-1) Respect for family life" instead of a bare number."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

FILE = "hudoc_keywords.toml"


@lru_cache(maxsize=4)
def _labels(path: str, mtime: float) -> dict[str, str]:
    with open(path, "rb") as handle:
        return dict(tomllib.load(handle).get("labels", {}))


def keyword_labels(path: Path | None = None) -> dict[str, str]:
    """id → the Court's English label; empty when the file is absent (the ids are shown alone)."""
    if path is None:
        from relay.tagging.sectors import default_path

        path = default_path().parent / FILE
    return _labels(str(path), path.stat().st_mtime) if path.exists() else {}


def describe_keywords(value) -> str:
    """One id or several (a list, or ";"-separated) with their labels."""
    ids = value if isinstance(value, list) else str(value).replace(";", " ").split()
    labels = keyword_labels()
    return "; ".join(f"{i} {labels[str(i)]}" if str(i) in labels else str(i) for i in ids)
