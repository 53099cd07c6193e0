"""The scheduler inside `relay run`: every job it schedules runs against a real database without error."""

from __future__ import annotations

import logging
import os

from sqlalchemy import select

from relay.db import transaction
from relay.models import Heartbeat
from relay.scheduler import build_scheduler

EXPECTED = {"heartbeat", "collect", "plan", "sweep", "documents", "reports", "incidents", "retention", "send", "surveys"}


def test_every_job_is_scheduled_and_runs_on_a_fresh_database(register, settings, caplog):
    engine = register
    scheduler, leadership = build_scheduler(settings=settings, engine=engine)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == EXPECTED
        caplog.set_level(logging.INFO, logger="relay.scheduler")
        for job in jobs.values():  # in this process, now: no network is touched (no sources are configured)
            job.func()
        failures = [r for r in caplog.records if r.getMessage() == "scheduled job failed"]
        assert failures == [], [(getattr(r, "job", "?"), r.exc_text) for r in failures]
        with transaction(engine) as session:
            beats = session.scalars(select(Heartbeat)).all()
            assert [b.role for b in beats] == ["scheduler"] and beats[0].is_leader
            assert beats[0].name.endswith(f":{os.getpid()}:scheduler")  # the process, not the last job's name
    finally:
        leadership.release()


def test_a_worker_split_scheduler_does_not_send(register, settings):
    scheduler, leadership = build_scheduler(settings=settings, engine=register, send=False)
    try:
        assert "send" not in {job.id for job in scheduler.get_jobs()}
    finally:
        leadership.release()


def test_the_bounce_mailbox_is_polled_only_when_one_is_configured(register, settings):
    with_imap = settings.model_copy(update={"receipts": settings.receipts.model_copy(update={"imap_host": "imap.test"})})
    for configured, expected in ((settings, False), (with_imap, True)):
        scheduler, leadership = build_scheduler(settings=configured, engine=register)
        try:
            assert ("imap" in {job.id for job in scheduler.get_jobs()}) is expected
        finally:
            leadership.release()


def test_the_offline_demo_scheduler_reaches_no_source(register, settings):
    scheduler, leadership = build_scheduler(settings=settings, engine=register, offline=True)
    try:
        assert {job.id for job in scheduler.get_jobs()} == EXPECTED - {"collect", "documents"}
    finally:
        leadership.release()
