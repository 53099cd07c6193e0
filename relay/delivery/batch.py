"""One batch: claim due messages, hand them over on parallel lanes, record every outcome.

Order of commits (§5.2, §5.4): the claim (whole batch, one transaction) → the attempt rows
('started') of a lane's chunk → the bytes on the wire, message by message → the chunk's outcomes.
A lane overlaps the two ends: while chunk k is on the wire, one transaction records chunk k-1's
outcomes and starts chunk k+1, and the lanes share those transactions (recorder.py: group
commit), so a chunk costs a fraction of a commit and the lane seldom waits for the database.
A crash between any two steps leaves a state the lease sweep and the next attempt know how to
finish. The price of writing per chunk is paid only after a crash: every message of the
chunks in hand has an attempt left 'started', so each is retried and counted as a possible
duplicate. Per lane that is up to three chunks (k-1 sent but not recorded, k on the wire, k+1
started but not sent), of which only the first two can really reach a recipient twice: at most
2 × concurrency × CHUNK duplicates (200 by default), and only once per crash.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta

from sqlalchemy import select, update

from relay.delivery.budget import domain_of, spend
from relay.delivery.claim import Release, claim_due, lease_for, release_many, sweep_expired_leases
from relay.delivery.dkim import DkimError, Signer
from relay.delivery.heartbeat import Heartbeat
from relay.delivery.lanes import LanePool, lane_pool
from relay.delivery.policy import Verdict
from relay.delivery.recorder import Recorder, Sent, Settle, in_transaction
from relay.delivery.transitions import Outcome
from relay.models import Message, MessageBody, utcnow

log = logging.getLogger("relay.delivery")
BUSY_PAUSE = timedelta(minutes=1)  # untried messages wait this long after their lanes gave up
CHUNK = 25  # messages a lane starts, sends and records together: bounds what a crash can duplicate


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
    taken_over: int = 0  # a dead worker's claims (lease expired) this worker returned to the queue
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
    contact_id: int | None


@dataclass
class Claimed:
    items: list[OutboxItem]  # ours to send now
    pushed_back: int  # claimed, over their domain's budget, given back due later (no attempt counted)
    taken_over: int = 0


def _claim(*, session, worker: str, now: datetime, batch: int, rate_per_minute: int, settings=None) -> Claimed:
    """Sweep expired leases, then claim and read the batch, and spend each recipient domain's budget
    (budget.py), in one transaction: what is over budget goes back at once, due when its domain has
    a token again. Sweeping first means any worker (`relay send`, `relay worker`, the scheduler's
    sender) takes a dead worker's messages over as soon as their lease has run out."""
    taken_over = sweep_expired_leases(session=session, now=now)
    if taken_over:
        log.warning("leases expired; messages taken over", extra={"worker": worker, "count": taken_over})
    ids = claim_due(session=session, worker=worker, now=now, batch=batch, lease=lease_for(settings))
    if not ids:
        return Claimed([], 0, taken_over)
    rows = session.connection().execute(
        select(Message.id, Message.to_address, Message.envelope_from, Message.message_id_header, MessageBody.mime,
               Message.created_at, Message.deadline_at, Message.contact_id)
        .outerjoin(MessageBody, MessageBody.message_id == Message.id)
        .where(Message.id.in_(ids)).order_by(Message.id)
    )
    items = [OutboxItem(*row) for row in rows]
    if bodiless := [item.id for item in items if item.mime is None]:
        # Nothing to send: a final state with the reason, rather than an empty mail or a claim left to expire.
        session.execute(update(Message).where(Message.id.in_(bodiless)).values(
            status="technical-failure", last_reply="message body missing", claimed_by=None, lease_until=None)
            .execution_options(synchronize_session=False))
        items = [item for item in items if item.mime is not None]
    waits = spend(session=session, domains=[domain_of(item.to_address) for item in items], now=now,
                  rate_per_minute=rate_per_minute)
    over = [Release(item.id, now + timedelta(seconds=wait), "domain rate limit")
            for item, wait in zip(items, waits, strict=True) if wait]
    release_many(session=session, worker=worker, releases=over)
    return Claimed([item for item, wait in zip(items, waits, strict=True) if not wait], len(over), taken_over)


@dataclass
class _Batch:
    engine: object
    settings: object
    worker: str
    clock: object
    signer: Signer | None
    stop: object
    rng: random.Random | None
    report: SendReport = field(default_factory=SendReport)
    halted: str = ""  # why no further message in this batch is tried
    recorder: Recorder = field(init=False)

    def __post_init__(self) -> None:
        self.recorder = Recorder(self.engine, worker=self.worker, clock=self.clock, rng=self.rng,
                                 settings=self.settings)

    def stopping(self) -> bool:
        return bool(self.halted) or (self.stop is not None and self.stop.is_set())

    def deadline(self, item: OutboxItem) -> datetime:
        return item.deadline_at or item.created_at + timedelta(hours=self.settings.smtp.retry_deadline_hours)

    async def run_lane(self, lane, queue: asyncio.Queue, pool: LanePool) -> None:
        """Chunk after chunk on one lane. While chunk k is on the wire, one transaction records
        chunk k-1's outcomes and starts chunk k+1, so the lane seldom waits for the database."""
        try:
            chunk = self.take(queue, lane)
            started = await self.settle(None, chunk)
            done = None
            while chunk:
                following = self.take(queue, lane)
                writing = asyncio.ensure_future(self.settle(done, following))
                try:
                    done = await self.send_chunk(chunk, started, lane)
                finally:
                    started = await writing
                chunk = following
            await self.settle(done, [])
        finally:
            await pool.put(lane)

    def take(self, queue: asyncio.Queue, lane) -> list[OutboxItem]:
        """The next chunk for a lane (the domain budgets were spent when the batch was claimed)."""
        if not lane.usable or self.stopping() or queue.empty():
            return []
        return [queue.get_nowait() for _ in range(min(CHUNK, queue.qsize()))]

    async def settle(self, done: Sent | None, chunk: list[OutboxItem]) -> dict:
        if done is None and not chunk:
            return {}
        settled = await self.recorder.settle(Settle(done, [i.id for i in chunk]))
        for status in settled.statuses.values():
            self.report.count(status)
        self.report.released += settled.released
        return settled.started

    async def send_chunk(self, chunk: list[OutboxItem], started: dict, lane) -> Sent:
        outcomes, untried = [], []
        ours = [item for item in chunk if item.id in started]
        self.report.lost += len(chunk) - len(ours)
        for index, item in enumerate(ours):
            attempt = started[item.id]
            self.report.possible_duplicates += attempt.interrupted
            if self.stopping() or not lane.usable:
                untried.append(item)
                continue
            following = ours[index + 1] if index + 1 < len(ours) else None
            verdict = await self.attempt(item, lane, following)
            outcomes.append(Outcome(item.id, attempt.number, verdict, item.contact_id, self.deadline(item)))
        return Sent(outcomes, self.give_back(untried))

    async def attempt(self, item: OutboxItem, lane, following: OutboxItem | None = None) -> Verdict:
        try:
            mime = self.signer.sign(item.mime) if self.signer else item.mime
        except DkimError as exc:
            verdict = Verdict("technical", str(exc), "config", stop_batch=True)
        else:
            verdict = await lane.deliver(item, mime, following)
        self.report.possible_duplicates += verdict.uncertain
        if verdict.stop_batch:
            self.halted = verdict.reply
            self.report.auth_failed = verdict.evidence == "auth"
            log.error("delivery halted", extra={"worker": self.worker, "message_id": item.id, "reply": verdict.reply})
        elif not lane.usable:
            self.halted = self.halted or verdict.reply
        return verdict

    def give_back(self, items: list[OutboxItem]) -> list[Release]:
        """Untried messages go back to the queue: at once when the worker is stopping, after a pause
        when the lanes gave up; one whose deadline has passed ends as a temporary failure."""
        now = self.clock()
        shutdown = self.stop is not None and self.stop.is_set() and not self.halted
        due = now if shutdown else now + BUSY_PAUSE
        reason = "worker stopping" if shutdown else f"not tried: {self.halted or 'lanes closed'}"
        return [Release(item.id, due, reason, now >= self.deadline(item)) for item in items]

    async def release_rest(self, items: list[OutboxItem]) -> None:
        if items:
            self.report.released += await in_transaction(self.engine, release_many, worker=self.worker,
                                                         releases=self.give_back(items))


async def send_due(*, engine, settings, worker: str, batch: int = 100, now: datetime | None = None,
                   stop=None, rng: random.Random | None = None,
                   lane_factory=None, lanes: LanePool | None = None) -> SendReport:
    """Claim up to `batch` due messages and hand each over once. `now` freezes the clock (tests).

    lanes: open connections to use and give back (the caller closes them); without it, this
    batch opens its own and closes them at the end."""
    own_pool = lanes is None
    pool = lanes or (LanePool(lane_factory) if lane_factory else lane_pool(settings))
    try:
        return await _send_due(engine, settings, worker, batch, now, stop, rng, pool)
    finally:
        if own_pool:
            await pool.close()


async def _send_due(engine, settings, worker, batch, now, stop, rng, pool: LanePool) -> SendReport:
    clock = (lambda: now) if now is not None else utcnow
    claimed = await in_transaction(engine, _claim, worker=worker, now=clock(), batch=batch,
                                   rate_per_minute=settings.smtp.domain_rate_per_minute, settings=settings)
    if not claimed.items:
        return SendReport(claimed=claimed.pushed_back, pushed_back=claimed.pushed_back,
                          taken_over=claimed.taken_over)
    async with Heartbeat(engine, worker=worker, settings=settings, clock=clock):
        return await _send_claimed(engine, settings, worker, clock, stop, rng, pool, claimed)


async def _send_claimed(engine, settings, worker, clock, stop, rng, pool: LanePool, claimed: Claimed) -> SendReport:
    items = claimed.items
    try:
        signer = Signer.from_settings(settings.smtp)
    except DkimError as exc:
        signer, config_error = None, str(exc)
    else:
        config_error = ""
    state = _Batch(engine, settings, worker, clock, signer, stop, rng)
    state.report.claimed = len(items) + claimed.pushed_back
    state.report.pushed_back = claimed.pushed_back
    state.report.taken_over = claimed.taken_over
    if config_error:
        state.signer = _Broken(config_error)
    lane_count = min(settings.smtp.concurrency, len(items)) if settings.smtp.host else 1
    queue: asyncio.Queue[OutboxItem] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)
    await asyncio.gather(*(state.run_lane(pool.take(), queue, pool) for _ in range(lane_count)))
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
