"""The 17 municipal sectors in their fixed order, with names in the four languages.

Read from config/sectors.toml (the tagging rules live in the same file; relay.tagging reads those).
"""

from __future__ import annotations

import tomllib
from functools import lru_cache

from relay.settings import get_settings


@lru_cache(maxsize=4)
def _load(path: str) -> list[dict]:
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    entries = data.get("sector") or data.get("sectors") or []
    if isinstance(entries, dict):  # [sectors.<id>] tables
        entries = [{"id": key, **value} for key, value in entries.items()]
    return entries


def _names_of(entry: dict) -> dict[str, str]:
    names = entry.get("names") or entry.get("name") or {}
    if isinstance(names, str):
        names = {"nb": names}
    for language in ("nb", "nn", "en", "sv"):
        names.setdefault(language, entry.get(f"name_{language}", names.get("nb", entry["id"])))
    return names


def sector_names(language: str = "nb") -> dict[str, str]:
    """id → name in the language, in the fixed order of SECTORS.md."""
    path = get_settings().path(get_settings().sectors_file)
    return {entry["id"]: _names_of(entry).get(language) or _names_of(entry)["nb"] for entry in _load(str(path))}


def sector_ids() -> list[str]:
    return list(sector_names("nb"))
