"""Digest planning + rendering for a whole country, beside rendering alone.

357 municipalities × 20 contacts × 50 alerts (--quick: 12 municipalities × 5 contacts × 10 alerts, a
smoke run of a few seconds). Figures: digests per
second for plan + render + queue, digests per second for rendering the same template with a
pre-built context, their ratio (goal ≤ 2), and peak memory of the process.
"""

from __future__ import annotations

import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from relay import migrate
from relay.db import make_engine, transaction
from relay.digests.periods import period_containing
from relay.digests.plan import plan_period
from relay.digests.render import render_pending
from relay.mail.compose import build_message
from relay.models import (
    Alert,
    AlertSector,
    AlertTarget,
    Contact,
    Digest,
    Item,
    Message,
    Organisation,
    Subscription,
)
from relay.settings import load_settings

NOW = datetime(2026, 11, 16, 8, tzinfo=UTC)


def _populate(engine, municipalities: int, contacts: int, alerts: int) -> None:
    with transaction(engine) as session:
        office = Organisation(profile="no", kind="office", code="974760665", org_number="974760665",
                              name="Statsforvaltaren i Vestland")
        session.add(office)
        session.flush()
        munis = [Organisation(profile="no", kind="municipality", code=f"{4600 + i:04d}", name=f"Kommune {i}",
                              office_id=office.id, malform=("nynorsk", "bokmal", "noytral")[i % 3],
                              malform_confirmed=True) for i in range(municipalities)]
        session.add_all(munis)
        session.flush()
        since = NOW - timedelta(days=60)
        for muni in munis:
            for c in range(contacts):
                contact = Contact(email=f"k{c}@{muni.code}.kommune.test", name=f"Kontakt {c}",
                                  municipality_id=muni.id, status="active", created_at=since)
                contact.subscriptions = [Subscription(sector=s, frequency="weekly", created_at=since)
                                         for s in ("child-welfare", "education")]
                session.add(contact)
        session.flush()
        for a in range(alerts):
            item = Item(key=f"bench:{a}", kind="judgment", title=f"CASE OF BENCH {a} v. NORWAY", states="NOR",
                        url=f"https://hudoc.echr.coe.int/eng?i=001-{a}", body="ECHR")
            session.add(item)
            session.flush()
            alert = Alert(item_id=item.id, office_id=office.id, title_nb=f"Varsel {a} om retten til familieliv",
                          title_nn=f"Varsel {a} om retten til familieliv", summary_nb="Sammendrag. " * 20,
                          summary_nn="Samandrag. " * 20, meaning_nb="Betydning for kommunene. " * 15,
                          meaning_nn="Tyding for kommunane. " * 15, approved_at=NOW - timedelta(days=3))
            alert.sectors = [AlertSector(sector=("child-welfare", "education")[a % 2])]
            alert.targets = [AlertTarget(municipality_id=m.id) for m in munis]
            session.add(alert)


def run(quick: bool = False) -> dict:
    municipalities, contacts, alerts = (12, 5, 10) if quick else (357, 20, 50)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp), database_url=f"sqlite:///{tmp}/bench.db",
                                 base_url="https://relay.example.no", secret_key="benchmark-key", scheduler=False)
        engine = make_engine(settings.resolved_database_url)
        migrate.upgrade(engine)
        _populate(engine, municipalities, contacts, alerts)

        started = time.perf_counter()
        with transaction(engine) as session:
            plan_period(session=session, frequency="weekly", period=period_containing("weekly", NOW.date()),
                        tz=settings.timezone, now=NOW)
            render_pending(session=session, settings=settings)
        planned = time.perf_counter() - started
        with transaction(engine) as session:
            digests = session.scalar(select(func.count()).select_from(Digest))
            messages = session.scalar(select(func.count()).select_from(Message))
            context = _sample_context(session, settings)

        started = time.perf_counter()
        for n in range(digests):
            build_message("digest", to="k@kommune.test", language="nn", context=context, settings=settings,
                          message_key=f"digest:{n}", list_id="digest.4601",
                          unsubscribe_url=context["unsubscribe_url"])
        rendering = time.perf_counter() - started
        engine.dispose()
    return {
        "digests": digests,
        "messages queued": messages,
        "plan+render+queue digests/s": digests / planned,
        "render-only digests/s": digests / rendering,
        "ratio (goal <= 2)": planned / rendering,
        "peak memory (MB)": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _sample_context(session, settings) -> dict:
    """The same context the planner built for one digest, rebuilt once so the loop renders only."""
    from relay.digests.render import MailLinks, _sections, language_for
    from relay.digests.render_pass import RenderPass
    from relay.models import Assignment

    digest = session.scalars(select(Digest)).first()
    assignments = session.scalars(select(Assignment).where(Assignment.digest_id == digest.id)).all()
    alerts = [session.get(Alert, a.alert_id) for a in assignments]
    contact = session.get(Contact, digest.contact_id)
    language = language_for(contact)
    return {"recipient_name": contact.name, "municipality_name": contact.municipality.name,
            "office_name": alerts[0].office.name, "period_label": "16.11.2026–22.11.2026",
            "sections": _sections(RenderPass(session, assignments), MailLinks(settings, contact.id), alerts,
                                  assignments, language),
            "preferences_url": "https://relay.example.no/p/x", "unsubscribe_url": "https://relay.example.no/u/x"}


if __name__ == "__main__":
    import sys

    for key, value in run(quick="--quick" in sys.argv).items():
        print(f"{key:32} {value:,.2f}" if isinstance(value, float) else f"{key:32} {value}")
