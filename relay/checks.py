"""`relay check`: every configuration problem at once, each with the file and entry it is in.

Each check reads one kind of file and never stops the others: a broken relay.toml still lets the
sources, sectors, templates, catalogues and register be checked (with default paths), so an
operator fixes everything in one round instead of one error per restart.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path

from relay.settings import Settings, SettingsError, home, load_settings

LANGUAGES = ("nb", "nn", "en", "sv")
SECTOR_COUNT = 17  # ../shared/reference/SECTORS.md


def _shown(path: Path) -> str:
    """A path relative to RELAY_HOME where it lies inside it: shorter and the same on every machine."""
    try:
        return str(Path(path).resolve().relative_to(home().resolve()))
    except ValueError:
        return str(path)


def check_settings(settings: Settings | None) -> tuple[Settings, list[str]]:
    config = Path(os.environ.get("RELAY_CONFIG", home() / "config" / "relay.toml"))
    if settings is None:
        try:
            settings = load_settings()
        except SettingsError as exc:
            # Go on with the defaults so the other files are still checked.
            lines = [line.strip() for line in str(exc).splitlines()[1:] if line.strip()]
            return Settings.model_construct(), [f"{_shown(config)} (or RELAY_* environment): {line}" for line in lines]
    problems = []
    key_file = settings.smtp.dkim_key_file
    if key_file and not Path(key_file).is_file():
        problems.append(f"{_shown(config)}: smtp.dkim_key_file: {key_file} does not exist")
    if settings.base_url.startswith("http://") and not settings.base_url.startswith(("http://127.", "http://localhost")):
        problems.append(f"{_shown(config)}: base_url: links in e-mails must use https:// ({settings.base_url})")
    return settings, problems


def check_sources(settings: Settings) -> list[str]:
    from relay.sources import SourcesFileError, read_sources_file

    try:
        read_sources_file(settings.path(settings.sources_file))
    except SourcesFileError as exc:
        return [line for line in str(exc).splitlines() if line]
    return []


def check_sectors(settings: Settings) -> list[str]:
    """The tagging loader judges the rules when it exists; the names and ids are checked here."""
    path = settings.path(settings.sectors_file)
    if not path.is_file():
        return [f"{_shown(path)}: file not found"]
    judged = _tagging_loader_problems(path)
    if judged is not None:
        return judged
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        return [f"{_shown(path)}: {exc}"]
    problems = []
    entries = data.get("sector") or data.get("sectors") or []
    if isinstance(entries, dict):
        entries = [{"id": key, **value} for key, value in entries.items()]
    seen = set()
    for n, entry in enumerate(entries, 1):
        where = f"{_shown(path)} sector #{n} ({entry.get('id', '?')})"
        if not entry.get("id"):
            problems.append(f"{where}: 'id' is required")
            continue
        if entry["id"] in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(entry["id"])
        names = entry.get("names") or entry.get("name") or {}
        names = {"nb": names} if isinstance(names, str) else names
        missing = [lang for lang in LANGUAGES if not (names.get(lang) or entry.get(f"name_{lang}"))]
        if missing:
            problems.append(f"{where}: no name in {', '.join(missing)}")
    if len(entries) != SECTOR_COUNT:
        problems.append(f"{_shown(path)}: {len(entries)} sectors; SECTORS.md has {SECTOR_COUNT}")
    return problems


def _tagging_loader_problems(path: Path) -> list[str] | None:
    """The tagging loader's verdict (ids, names, every rule), or None when there is no loader."""
    try:
        from relay.tagging import sectors as tagging
    except ImportError:
        return None
    loader = getattr(tagging, "load_sectors_file", None)
    if not callable(loader):
        return None
    try:
        loader(path)
    except Exception as exc:  # noqa: BLE001 - whatever the loader raises is a problem to list
        return [line if line.startswith(path.name) or line.startswith(str(path)) else f"{_shown(path)}: {line}"
                for line in str(exc).splitlines() if line.strip()]
    return []


def check_templates() -> list[str]:
    from jinja2 import TemplateSyntaxError

    from relay.mail import templating
    from relay.web.templating import make_templates

    problems = []
    email_dir = templating.templates_dir()
    for kind in templating.KINDS:
        for part in templating.PARTS:
            if not (email_dir / kind / part).is_file():
                problems.append(f"{_shown(email_dir / kind / part)}: missing (every e-mail kind needs all three parts)")
    environments = [(email_dir, templating.environment(email_dir)),
                    (home() / "templates" / "web", make_templates().env)]
    for folder, env in environments:
        for path in sorted(folder.rglob("*")):
            if path.suffix not in (".html", ".txt") or not path.is_file():
                continue
            name = path.relative_to(folder).as_posix()
            try:
                env.parse(path.read_text(encoding="utf-8"), name=name, filename=str(path))
            except TemplateSyntaxError as exc:
                problems.append(f"{_shown(path)} line {exc.lineno}: {exc.message}")
            except UnicodeDecodeError:
                problems.append(f"{_shown(path)}: not UTF-8")
    return problems


def check_catalogues() -> list[str]:
    from relay import i18n

    problems = []
    for path in sorted(i18n.LOCALES.glob("*.toml")):
        try:
            tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            problems.append(f"{path.name}: {exc}")
    if problems:
        return problems
    i18n.catalogue.cache_clear()  # read the files as they are now, not as this process first saw them
    for language, keys in sorted(i18n.missing_keys().items()):
        by_domain: dict[str, list[str]] = {}
        for key in sorted(keys):
            domain, _, rest = key.partition(".")
            by_domain.setdefault(domain, []).append(rest)
        for domain, names in by_domain.items():
            problems.append(f"relay/locales/{domain}.{language}.toml: missing {', '.join(names)}")
    return problems


def check_register(settings: Settings) -> list[str]:
    """Read the register files, then load them into a scratch SQLite database in memory."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session
    from sqlalchemy.pool import StaticPool

    from relay.models import Base
    from relay.register import RegisterFileError, load_register

    folder = home() / "config" / "register"
    engine = create_engine("sqlite://", poolclass=StaticPool)  # one connection: one in-memory database
    try:
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            load_register(session=session, profile=settings.profile, folder=folder)
    except RegisterFileError as exc:
        return [f"{_shown(folder / settings.profile)}/{line}" for line in str(exc).splitlines() if line]
    except Exception as exc:  # noqa: BLE001 - e.g. a reference to an office that is not in the files
        return [f"{_shown(folder / settings.profile)}: cannot be loaded: {type(exc).__name__}: {exc}"]
    finally:
        engine.dispose()
    return []


def run_checks(settings: Settings | None = None) -> list[str]:
    """Every problem, each as "file [entry]: what is wrong"; an empty list means the configuration is sound."""
    settings, problems = check_settings(settings)
    checks: list[Callable[[], list[str]]] = [
        lambda: check_sources(settings), lambda: check_sectors(settings), check_templates, check_catalogues,
        lambda: check_register(settings),
    ]
    for check in checks:
        try:
            problems += check()
        except Exception as exc:  # noqa: BLE001 - a crashing check is itself a problem; the others still run
            problems.append(f"relay check: {getattr(check, '__name__', 'check')} failed: {type(exc).__name__}: {exc}")
    return problems
