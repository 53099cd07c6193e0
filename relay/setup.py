"""`relay init`: create or migrate the database, load the register, and sync configured sources.

Idempotent: running it again changes nothing (the register and sources report 0 created).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from relay import migrate
from relay.db import transaction
from relay.register import load_register
from relay.settings import Settings
from relay.sources import read_sources_file, sync_sources


@dataclass
class InitReport:
    revision_before: str | None
    revision_after: str
    register: object
    sources: dict


def initialise(*, settings: Settings, engine: Engine) -> InitReport:
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    with transaction(engine) as session:
        register = load_register(session=session, profile=settings.profile)
    defs = read_sources_file(settings.path(settings.sources_file))
    with transaction(engine) as session:
        sources = sync_sources(session=session, defs=defs)
    return InitReport(before, migrate.current_revision(engine), register, sources)
