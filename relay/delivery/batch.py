"""One batch: claim due messages, hand them over on parallel lanes, record every outcome.

Order of commits per message (§5.2, §5.4): the claim (whole batch) → the attempt row
('started') → the bytes on the wire → the outcome. A crash between any two leaves a state the
lease sweep and the next attempt know how to finish.
"""

from __future__ import annotations

import asyncio
import logging
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta

from sqlalchemy import select

from relay.db import transaction
from relay.delivery.claim import claim_due, release
from relay.delivery.dkim import DkimError, Signer
from relay.delivery.maildir import MaildirLane
from relay.delivery.policy import Verdict
from relay.delivery.ratelimit import DomainLimiter, domain_of, shared_limiter
from relay.delivery.smtp import SmtpLane
from relay.delivery.transitions import record_verdict, start_attempt
from relay.models import Message, utcnow

log = logging.getLogger("relay.delivery")
BUSY_PAUSE = timedelta(minutes=1)  # untried messages wait this long after their lanes gave up


@dataclass
class SendReport:
    claimed: int = 0
    sent: int = 0
    retry: int = 0  # back in the queue after a 4xx or connection trouble
    temporary_failure: int = 0
    permanent_failure: int = 0
    technical_failure: int = 0
    pushed_back: int = 0  # over the domain rate: moved later, no attempt counted
    released: int = 0  # claimed but not tried (lanes stopped, or the worker is stopping)
    lost: int = 0  # the claim was swept away while waiting
    possible_duplicates: int = 0
    auth_failed: bool = False

    def merge(self, other: SendReport) -> SendReport:
        for f in fields(self):
            value = getattr(other, f.name)
            setattr(self, f.name, (getattr(self, f.name) or value) if f.type == "bool" else getattr(self, f.name) + value)
        return self

    def count(self, status: str) -> None:
        name = {"queued": "retry"}.get(status, status.replace("-", "_"))
        setattr(self, name, getattr(self, name) + 1)

    def __str__(self) -> str:
        parts = [f"{f.name.replace('_', ' ')} {getattr(self, f.name)}" for f in fields(self)
                 if f.type != "bool" and getattr(self, f.name)]
        text = ", ".join(parts) or "nothing due"
        return text + ("; SMTP AUTHENTICATION REFUSED" if self.auth_failed else "")


@dataclass
class OutboxItem:
    id: int
    to_address: str
    envelope_from: str
    message_id_header: str
    mime: bytes
    created_at: datetime
    deadline_at: datetime | None


_sqlite_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="relay-sqlite")


async def _db(engine, fn, **kwargs):
    """Run one transaction in a thread, so other lanes keep talking SMTP meanwhile.

    SQLite has one writer: concurrent writer threads would only meet in its busy handler,
    which sleeps, so on SQLite every transaction goes through one thread instead.
    """
    def run():
        with transaction(engine) as session:
            return fn(session=session, **kwargs)
    executor = _sqlite_writer if engine.dialect.name == "sqlite" else None
    return await asyncio.get_running_loop().run_in_executor(executor, run)


def _load(*, session, ids: list[int]) -> list[OutboxItem]:
    rows = session.execute(
        select(Message.id, Message.to_address, Message.envelope_from, Message.message_id_header, Message.mime,
               Message.created_at, Message.deadline_at).where(Message.id.in_(ids)).order_by(Message.id)
    )
    return [OutboxItem(*row) for row in rows]


@dataclass
class _Batch:
    engine: object
    settings: object
    worker: str
    clock: object
    limiter: DomainLimiter
    signer: Signer | None
    stop: object
    rng: random.Random | None
    report: SendReport = field(default_factory=SendReport)
    halted: str = ""  # why no further message in this batch is tried

    def stopping(self) -> bool:
        return bool(self.halted) or (self.stop is not None and self.stop.is_set())

    def deadline(self, item: OutboxItem) -> datetime:
        return item.deadline_at or item.created_at + timedelta(hours=self.settings.smtp.retry_deadline_hours)

    async def run_lane(self, lane, queue: asyncio.Queue) -> None:
        try:
            while lane.usable and not self.stopping() and not queue.empty():
                await self.handle(queue.get_nowait(), lane)
        finally:
            await lane.close()

    async def handle(self, item: OutboxItem, lane) -> None:
        now = self.clock()
        wait = self.limiter.take(domain_of(item.to_address), now)
        if wait:
            await _db(self.engine, release, message_id=item.id, worker=self.worker,
                      due_at=now + timedelta(seconds=wait), reason="domain rate limit")
            self.report.pushed_back += 1
            return
        started = await _db(self.engine, start_attempt, message_id=item.id, worker=self.worker, now=now)
        if started is None:
            self.report.lost += 1
            return
        self.report.possible_duplicates += started.interrupted
        try:
            mime = self.signer.sign(item.mime) if self.signer else item.mime
        except DkimError as exc:
            verdict = Verdict("technical", str(exc), "config", stop_batch=True)
        else:
            verdict = await lane.deliver(item, mime)
        self.report.possible_duplicates += verdict.uncertain
        status = await _db(self.engine, record_verdict, message_id=item.id, number=started.number,
                           worker=self.worker, verdict=verdict, now=self.clock(),
                           retry_deadline=timedelta(hours=self.settings.smtp.retry_deadline_hours), rng=self.rng)
        self.report.count(status)
        if verdict.stop_batch:
            self.halted = verdict.reply
            self.report.auth_failed = verdict.evidence == "auth"
            log.error("delivery halted", extra={"worker": self.worker, "message_id": item.id, "reply": verdict.reply})
        elif not lane.usable:
            self.halted = self.halted or verdict.reply

    async def release_rest(self, items: list[OutboxItem]) -> None:
        now = self.clock()
        shutdown = self.stop is not None and self.stop.is_set() and not self.halted
        due = now if shutdown else now + BUSY_PAUSE
        reason = "worker stopping" if shutdown else f"not tried: {self.halted or 'lanes closed'}"
        for item in items:
            if await _db(self.engine, release, message_id=item.id, worker=self.worker, due_at=due, reason=reason,
                         deadline_passed=now >= self.deadline(item)):
                self.report.released += 1


async def send_due(*, engine, settings, worker: str, batch: int = 100, now: datetime | None = None,
                   limiter: DomainLimiter | None = None, stop=None, rng: random.Random | None = None,
                   lane_factory=None) -> SendReport:
    """Claim up to `batch` due messages and hand each over once. `now` freezes the clock (tests)."""
    clock = (lambda: now) if now is not None else utcnow
    limiter = limiter or shared_limiter(settings.smtp.domain_rate_per_minute)
    ids = await _db(engine, claim_due, worker=worker, now=clock(), batch=batch)
    if not ids:
        return SendReport()
    items = await _db(engine, _load, ids=ids)
    try:
        signer = Signer.from_settings(settings.smtp)
    except DkimError as exc:
        signer, config_error = None, str(exc)
    else:
        config_error = ""
    state = _Batch(engine, settings, worker, clock, limiter, signer, stop, rng)
    state.report.claimed = len(items)
    if config_error:
        state.signer = _Broken(config_error)
    if lane_factory is None:
        lane_factory = (lambda: SmtpLane(settings.smtp)) if settings.smtp.host else (
            lambda: MaildirLane(settings.maildir_path))
    lane_count = min(settings.smtp.concurrency, len(items)) if settings.smtp.host else 1
    queue: asyncio.Queue[OutboxItem] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)
    await asyncio.gather(*(state.run_lane(lane_factory(), queue) for _ in range(lane_count)))
    rest = []
    while not queue.empty():
        rest.append(queue.get_nowait())
    await state.release_rest(rest)
    log.info("delivery batch", extra={"worker": worker, **{f.name: getattr(state.report, f.name)
                                                          for f in fields(state.report)}})
    return state.report


class _Broken:
    """Stands in for a signer whose key cannot be read: the first message fails, the batch halts."""

    def __init__(self, reason: str):
        self.reason = reason

    def sign(self, mime: bytes) -> bytes:
        raise DkimError(self.reason)
