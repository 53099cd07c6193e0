"""APScheduler inside `relay run`: it only ticks; what is due is a question for the database (C3).

On PostgreSQL exactly one process leads, holding an advisory lock on a dedicated connection;
others keep trying. On SQLite there is one process, and it leads.

Planning and sending also run the moment an alert is approved or a message is queued
(relay/delivery/wakeup.py: in-process on SQLite, LISTEN/NOTIFY on PostgreSQL); their ticks are the
safety net for a lost wake-up.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN, EVENT_SCHEDULER_STARTED
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text
from sqlalchemy.engine import Engine

from relay.settings import Settings

log = logging.getLogger("relay.scheduler")
LEADER_LOCK = 0x52454C4159  # "RELAY"


class Leadership:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._connection = None
        self.lock = threading.Lock()

    def is_leader(self) -> bool:
        if self.engine.dialect.name != "postgresql":
            return True
        with self.lock:
            if self._connection is not None:
                try:
                    self._connection.execute(text("SELECT 1"))
                    return True
                except Exception:  # noqa: BLE001 - a lost connection loses the lock; try again below
                    self._connection = None
            connection = self.engine.connect()
            got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK}).scalar()
            connection.commit()
            if got:
                self._connection = connection
                log.info("scheduler leads", extra={"host": socket.gethostname(), "pid": os.getpid()})
                return True
            connection.close()
            return False

    def release(self) -> None:
        with self.lock:
            if self._connection is not None:
                # close() only hands the connection back to the pool, still holding the session-level
                # lock, so a later checkout elsewhere would lead without knowing: unlock first.
                try:
                    self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LEADER_LOCK})
                    self._connection.commit()
                    self._connection.close()
                except Exception:  # noqa: BLE001 - a broken connection is discarded, and its lock with it
                    self._connection.invalidate()
                self._connection = None


def _guarded(leadership: Leadership, name: str, job):
    def run():
        if not leadership.is_leader():
            return
        try:
            job()
        except Exception:  # noqa: BLE001 - one failing job must not stop the scheduler
            log.exception("scheduled job failed", extra={"job": name})

    return run


def beat(*, engine: Engine, name: str, role: str, is_leader: bool = False) -> None:
    """Say this process is alive (and whether it leads); /readyz and the ops alerts read it."""
    from relay.db import transaction
    from relay.models import Heartbeat, utcnow

    with transaction(engine) as session:
        row = session.get(Heartbeat, name) or Heartbeat(name=name, role=role, started_at=utcnow())
        row.is_leader, row.seen_at = is_leader, utcnow()
        session.add(row)


def build_scheduler(*, settings: Settings, engine: Engine, send: bool = True,
                    offline: bool = False) -> tuple[BackgroundScheduler, Leadership]:
    """offline=True (the demo) leaves out the jobs that reach the internet: collecting and documents."""
    from relay.collect import collect_due
    from relay.db import transaction
    from relay.delivery.claim import sweep_expired_leases
    from relay.delivery.wakeup import PLAN, SEND, RunSoon, Waker
    from relay.delivery.worker import send_all
    from relay.http import HttpClient
    from relay.models import utcnow
    from relay.pipeline import plan_and_render

    leadership = Leadership(engine)
    scheduler = BackgroundScheduler(timezone=settings.timezone)

    def collect():
        with HttpClient(settings.http) as http:
            collect_due(engine=engine, http=http, download_dir=settings.resolved_data_dir / "downloads")

    def documents():
        from relay.documents.fetch import fetch_due
        from relay.documents.retag import tag_changed

        with HttpClient(settings.http) as http:
            fetch_due(engine=engine, http=http)
        tag_changed(engine)  # items whose full text arrived or changed are tagged on it too

    def reports():
        from relay.reports.refresh import ensure_fresh

        ensure_fresh(engine)

    def sweep():
        with transaction(engine) as session:
            sweep_expired_leases(session=session, now=utcnow())

    process = f"{socket.gethostname()}:{os.getpid()}:scheduler"

    def heartbeat():
        beat(engine=engine, name=process, role="scheduler", is_leader=leadership.is_leader())

    scheduler.add_job(heartbeat, "interval", seconds=30, id="heartbeat", max_instances=1, coalesce=True,
                      next_run_time=utcnow())
    jobs = {
        "collect": (collect, 60),
        "plan": (lambda: plan_and_render(engine=engine, settings=settings), 60),
        "sweep": (sweep, 300),
        "documents": (documents, 300),  # full texts of new items, politely: 20 documents a run
        "reports": (reports, 60),  # the report tables follow the receipts within a minute
    }
    if offline:
        del jobs["collect"], jobs["documents"]
    if settings.receipts.imap_host:  # the bounce mailbox, when there is one to read (DSNs and MDNs)
        from relay.receipts.receiver import poll_imap

        jobs["imap"] = (lambda: poll_imap(engine=engine, settings=settings), 120)
    from relay.ops.incidents import ops_jobs

    jobs.update(ops_jobs(settings, engine))  # incident checks every minute, retention four times a day
    from relay.surveys.schedule import survey_jobs

    jobs.update(survey_jobs(settings, engine))  # surveys go out on their opening day and close (issue 23)
    if send:
        jobs["send"] = (lambda: send_all(engine=engine, settings=settings, worker=f"run:{os.getpid()}"), 15)
    woken = {"plan": PLAN, "send": SEND}  # job → the wake-up channel that runs it at once
    wakeable: dict[str, RunSoon] = {}
    for job_name, (job, seconds) in jobs.items():
        run = _guarded(leadership, job_name, job)
        if job_name in woken:
            run = wakeable[woken[job_name]] = RunSoon(run)
        scheduler.add_job(run, "interval", seconds=seconds, id=job_name, max_instances=1, coalesce=True)
    _wake_while_running(scheduler, Waker(wakeable, engine))
    return scheduler, leadership


def _wake_while_running(scheduler: BackgroundScheduler, waker) -> None:
    """The waker thread lives exactly as long as the scheduler runs."""
    def on_event(event) -> None:
        if event.code == EVENT_SCHEDULER_STARTED:
            waker.start()
        else:
            waker.stop()

    scheduler.add_listener(on_event, EVENT_SCHEDULER_STARTED | EVENT_SCHEDULER_SHUTDOWN)
