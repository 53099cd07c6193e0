"""Configured sources: read config/sources.toml, validate it, and keep the source rows in step."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from feeds import COLLECTORS, collector
from feeds.records import SourceConfig
from relay.models import Source


class SourcesFileError(Exception):
    pass


@dataclass(frozen=True)
class SourceDef:
    key: str
    kind: str
    name: str
    url: str = ""
    interval_minutes: int = 360
    paused: bool = False
    params: dict = field(default_factory=dict)


def read_sources_file(path: Path) -> list[SourceDef]:
    """Every problem in the file at once, each with the source it belongs to."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise SourcesFileError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourcesFileError(f"{path}: {exc}") from None
    problems, defs, seen = [], [], set()
    for index, entry in enumerate(data.get("source", []), start=1):
        where = f"{path.name} source #{index} ({entry.get('key', '?')})"
        key, kind = entry.get("key"), entry.get("kind")
        if not key or not isinstance(key, str):
            problems.append(f"{where}: 'key' is required")
            continue
        if key in seen:
            problems.append(f"{where}: duplicate key {key!r}")
        seen.add(key)
        if kind not in COLLECTORS:
            problems.append(f"{where}: unknown kind {kind!r} (known: {', '.join(sorted(COLLECTORS))})")
        else:
            problems.extend(f"{where}: {problem}" for problem in collector(kind).check_params(entry.get("params", {})))
        interval = entry.get("interval_minutes", 360)
        if not isinstance(interval, int) or interval < 5:
            problems.append(f"{where}: interval_minutes must be a whole number of at least 5")
        unknown = set(entry) - {"key", "kind", "name", "url", "interval_minutes", "paused", "params"}
        if unknown:
            problems.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        defs.append(SourceDef(key=key, kind=kind or "", name=entry.get("name", key), url=entry.get("url", ""),
                              interval_minutes=interval if isinstance(interval, int) else 360,
                              paused=bool(entry.get("paused", False)), params=entry.get("params", {})))
    if problems:
        raise SourcesFileError("\n".join(problems))
    return defs


def sync_sources(*, session: Session, defs: list[SourceDef]) -> dict[str, int]:
    """Create or update configured sources; sources added by an administrator are left alone."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    existing = {s.key: s for s in session.scalars(select(Source))}
    for d in defs:
        row = existing.get(d.key)
        values = {"kind": d.kind, "name": d.name, "url": d.url, "interval_minutes": d.interval_minutes,
                  "params": d.params}
        if row is None:
            session.add(Source(key=d.key, origin="config", paused=d.paused, **values))
            counts["created"] += 1
        elif row.origin == "config" and any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    session.flush()
    return counts


def source_config(source: Source, headers: dict | None = None, workdir: Path | None = None) -> SourceConfig:
    params = dict(source.params or {})
    return SourceConfig(
        key=source.key, kind=source.kind, name=source.name, url=source.url, params=params,
        headers=headers or params.get("headers", {}), etag=source.etag, last_modified=source.last_modified,
        cursor=source.cursor, workdir=str(workdir) if workdir else None,
    )
