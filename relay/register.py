"""Load the organisation register (config/register/<profile>/*.toml) into the database.

Loading is an upsert keyed by (profile, kind, code) for organisations and by (organisation, form,
valid_from) for names, so a second load changes nothing. Nothing is ever deleted: an organisation
or name that leaves the files keeps its row, because messages and receipts point at it.
The file format is described in config/register/README.md.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from time import perf_counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay.models import MALFORMS, Organisation, OrganisationName
from relay.register_queries import (  # re-exported: callers import the register's API from here
    UnknownOrganisation,
    get_municipality,
    list_ministries,
    list_municipalities,
    list_offices,
    name_on,
    written_standard,
)
from relay.settings import home

__all__ = [
    "LoadReport", "RegisterFileError", "UnknownOrganisation", "load_register", "read_register", "get_municipality",
    "list_ministries", "list_municipalities", "list_offices", "name_on", "written_standard",
]

# Load order matters only for readability of errors; references are resolved after all rows exist.
KINDS = {"no": ("ministry", "office", "county", "municipality"), "se": ("lansstyrelse", "lan", "region", "kommun")}
# What `office = ...` and `county = ...` point at in each profile.
REFERENCES = {"no": {"office": "office", "county": "county"}, "se": {"office": "lansstyrelse", "county": "lan"}}
NAME_FORMS = ("official", "sme", "sma", "smj", "fkv")
COLUMNS = ("name", "org_number", "malform", "malform_source", "malform_confirmed", "sami_area", "previous_code",
           "valid_from", "valid_to")
# Set by administrators or sign-up flows as well; a file only overrides them when it names them.
WRITTEN_WHEN_GIVEN = ("mail_domains", "fallback_email")
MALFORM_COLUMNS = ("malform", "malform_source", "malform_confirmed")
ENTRY_KEYS = {"code", "office", "county", "official_name", "names_valid_from", "name_change", "note",
              *COLUMNS, *WRITTEN_WHEN_GIVEN, *NAME_FORMS[1:]}
CHANGE_KEYS = {"form", "name", "valid_from", "valid_to", "source"}
_DATED = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


class RegisterFileError(ValueError):
    """A register file that cannot be loaded; the message names the file and the entry."""


@dataclass(frozen=True)
class Entry:
    kind: str
    code: str
    columns: dict
    references: dict[str, str]  # "office_id" / "county_id" -> the referenced code
    names: tuple[tuple[str, str, date, date | None], ...]  # form, name, valid_from, valid_to
    where: str


@dataclass
class LoadReport:
    profile: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    names_created: int = 0
    names_updated: int = 0
    names_unchanged: int = 0
    kinds: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def __str__(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in self.kinds.items())
        return (f"{self.profile}: {sum(self.kinds.values())} organisations ({kinds}): {self.created} created, "
                f"{self.updated} updated, {self.unchanged} unchanged; names: {self.names_created} created, "
                f"{self.names_updated} updated, {self.names_unchanged} unchanged ({self.seconds:.2f} s)")


def read_register(folder: Path, profile: str) -> list[Entry]:
    """Every entry in folder/*.toml, checked; raises RegisterFileError listing what is wrong."""
    if profile not in KINDS:
        raise RegisterFileError(f"unknown register profile {profile!r}")
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise RegisterFileError(f"{folder}: no register files")
    entries, problems, seen = [], [], {}
    for path in files:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        defaults = data.pop("defaults", {})
        for kind, raws in data.items():
            if kind not in KINDS[profile] or not isinstance(raws, list):
                problems.append(f"{path.name}: [[{kind}]] is not a kind of the {profile!r} profile")
                continue
            for n, raw in enumerate(raws, 1):
                where = f"{path.name} [[{kind}]] #{n} {raw.get('code', '')}".rstrip()
                try:
                    entry = _entry(kind, {**defaults, **raw}, where)
                except RegisterFileError as exc:
                    problems.append(str(exc))
                    continue
                if (kind, entry.code) in seen:
                    problems.append(f"{where}: duplicate of {seen[kind, entry.code]}")
                seen[kind, entry.code] = where
                entries.append(entry)
    if problems:
        raise RegisterFileError("\n".join(problems))
    return sorted(entries, key=lambda e: KINDS[profile].index(e.kind))


def _entry(kind: str, raw: dict, where: str) -> Entry:
    unknown = set(raw) - ENTRY_KEYS
    if unknown:
        raise RegisterFileError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    for key in ("code", "name"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise RegisterFileError(f"{where}: {key} must be a non-empty string")
    if raw.get("malform") is not None and raw["malform"] not in MALFORMS:
        raise RegisterFileError(f"{where}: malform must be one of {', '.join(MALFORMS)}")
    # A municipality's språkvedtak binds every mail Relay writes to it: where it comes from, and as of
    # when, must be on record (shown on the offices page), so a stale value can be found and checked.
    if kind == "municipality" and raw.get("malform") and not _DATED.search(str(raw.get("malform_source") or "")):
        raise RegisterFileError(f"{where}: malform_source must name the source and its date (YYYY-MM-DD)")
    columns = {key: raw.get(key) for key in COLUMNS}
    columns["malform_confirmed"] = bool(raw.get("malform_confirmed", False)) if raw.get("malform") else False
    columns["sami_area"] = bool(raw.get("sami_area", False))
    if not raw.get("malform"):
        columns["malform_source"] = None  # a source without a value would read as a decision
    columns.update({key: raw[key] for key in WRITTEN_WHEN_GIVEN if key in raw})
    references = {f"{key}_id": raw[key] for key in ("office", "county") if raw.get(key)}
    return Entry(kind, raw["code"], columns, references, _names(raw, where), where)


def _names(raw: dict, where: str) -> tuple:
    """The name periods of one entry: the first forms, then each change closing its predecessor."""
    first = raw.get("names_valid_from") or raw.get("valid_from")
    if not isinstance(first, date):
        raise RegisterFileError(f"{where}: names_valid_from (or valid_from) must be a date")
    periods = [("official", raw.get("official_name") or raw["name"], first, None)]
    periods += [(form, raw[form], first, None) for form in NAME_FORMS[1:] if raw.get(form)]
    for change in raw.get("name_change", []):
        if set(change) - CHANGE_KEYS or change.get("form") not in NAME_FORMS or not change.get("name") \
                or not isinstance(change.get("valid_from"), date):
            raise RegisterFileError(f"{where}: a name_change needs form ({'/'.join(NAME_FORMS)}), name, valid_from")
        periods.append((change["form"], change["name"], change["valid_from"], change.get("valid_to")))
    periods.sort(key=lambda p: (p[0], p[2]))
    closed = []
    for i, (form, name, start, end) in enumerate(periods):
        following = periods[i + 1] if i + 1 < len(periods) and periods[i + 1][0] == form else None
        if following and following[2] <= start:
            raise RegisterFileError(f"{where}: two {form} names start on {start}")
        if end is None and following:
            end = following[2] - timedelta(days=1)
        closed.append((form, name, start, end))
    return tuple(closed)


def load_register(*, session: Session, profile: str = "no", folder: Path | None = None) -> LoadReport:
    """Upsert config/register/<profile>/ into the database; the caller's transaction commits."""
    started = perf_counter()
    entries = read_register((folder or home() / "config" / "register") / profile, profile)
    report = LoadReport(profile)
    orgs = {(o.kind, o.code): o for o in session.scalars(select(Organisation).where(Organisation.profile == profile))}
    created = set()
    for entry in entries:
        if (entry.kind, entry.code) not in orgs:
            org = Organisation(profile=profile, kind=entry.kind, code=entry.code, **entry.columns)
            session.add(org)
            orgs[entry.kind, entry.code] = org
            created.add((entry.kind, entry.code))
    session.flush()  # ids for the references below
    for entry in entries:
        org = orgs[entry.kind, entry.code]
        changes = {k: v for k, v in _wanted(entry, org, orgs, profile).items() if getattr(org, k) != v}
        for key, value in changes.items():
            setattr(org, key, value)
        report.kinds[entry.kind] += 1
        if (entry.kind, entry.code) in created:
            report.created += 1
        elif changes:
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()
    _upsert_names(session, entries, orgs, profile, report)
    report.seconds = perf_counter() - started
    return report


def _wanted(entry: Entry, org: Organisation, orgs: dict, profile: str) -> dict:
    wanted = dict(entry.columns)
    # An administrator's confirmed correction outlives a reload of an unconfirmed file value.
    if org.malform_confirmed and not wanted["malform_confirmed"]:
        for key in MALFORM_COLUMNS:
            wanted.pop(key)
    for column in ("office_id", "county_id"):
        code = entry.references.get(column)
        target = orgs.get((REFERENCES[profile][column[:-3]], code)) if code else None
        if code and target is None:
            raise RegisterFileError(f"{entry.where}: {column[:-3]} {code!r} is not in the register")
        wanted[column] = target.id if target else None
    return wanted


def _upsert_names(session: Session, entries: list[Entry], orgs: dict, profile: str, report: LoadReport) -> None:
    query = select(OrganisationName).join(Organisation).where(Organisation.profile == profile)
    existing = {(n.organisation_id, n.form, n.valid_from): n for n in session.scalars(query)}
    touched = []
    for entry in entries:
        org = orgs[entry.kind, entry.code]
        for form, name, start, end in entry.names:
            row = existing.get((org.id, form, start))
            if row is None:
                session.add(OrganisationName(organisation_id=org.id, form=form, name=name, valid_from=start,
                                             valid_to=end))
                report.names_created += 1
                touched.append(org)
            elif (row.name, row.valid_to) != (name, end):
                row.name, row.valid_to = name, end
                report.names_updated += 1
                touched.append(org)
            else:
                report.names_unchanged += 1
    session.flush()
    for org in touched:  # rows were added by foreign key, so a loaded org.names would be stale
        session.expire(org, ["names"])
