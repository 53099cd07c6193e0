"""A batch's one database writer: the lanes hand it their chunks' outcomes and starts, and each
transaction takes everything that arrived while the previous one ran (group commit).

Why: with a transaction per lane and chunk, four lanes paid four commits and four times the
statements (on PostgreSQL, the round trips) for the same rows, and the database, not SMTP, set
the pace (the delivery benchmark's profile). Grouping keeps each lane's order of commits (§5.4:
a chunk's attempts are committed before its first byte, its outcomes after its last), so what a
crash can duplicate is unchanged; a lane only waits for the group's commit instead of its own.
"""

from __future__ import annotations

import asyncio
import logging
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from relay.db import transaction
from relay.delivery.claim import Release, lease_for, release_many
from relay.delivery.transient import transient_reason
from relay.delivery.transitions import Outcome, Started, record_outcomes, start_attempts, withdraw_attempts

log = logging.getLogger("relay.delivery")
ATTEMPTS = 3  # runs of one group's transaction, when other transactions keep getting in its way
BACKOFF = 0.05  # seconds before the second run, doubled before the third; jittered so rivals part
_sqlite_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="relay-sqlite")


def let_senders_write(engine) -> None:
    """On SQLite, wait until the senders' queued transactions have run. A long run of writing
    transactions in another thread (relay.pipeline rendering a fan-out in parts) calls it between
    them: otherwise it takes SQLite's write lock again at once, the senders' busy handler keeps
    sleeping past the gaps, and no message leaves until the last part is written."""
    if engine.dialect.name == "sqlite":
        _sqlite_writer.submit(lambda: None).result()


async def in_transaction(engine, fn, **kwargs):
    """Run fn(session=…, **kwargs) in one transaction in a thread, so the lanes keep talking SMTP.

    SQLite has one writer: concurrent writer threads would only meet in its busy handler,
    which sleeps, so on SQLite every transaction goes through one thread instead.
    """
    def run():
        with transaction(engine) as session:
            return fn(session=session, **kwargs)
    executor = _sqlite_writer if engine.dialect.name == "sqlite" else None
    return await asyncio.get_running_loop().run_in_executor(executor, run)


@dataclass
class Sent:
    """A chunk that has been on the wire, with what is still to be written about it."""

    outcomes: list[Outcome]
    untried: list[Release]


@dataclass
class Settle:
    """One lane's request: record the chunk it sent (if any), give back what it will not send, and
    start the chunk it sends next."""

    done: Sent | None
    ids: list[int]


@dataclass
class Settled:
    statuses: dict[int, str]  # the recorded chunk's messages: their new status
    released: int
    started: dict[int, Started]  # the next chunk's messages still ours, with their attempt numbers


def settle_all(*, session, worker: str, now, requests: list[Settle], rng, settings) -> list[Settled]:
    """Every request's writes in the caller's one transaction, in the order one lane needs them:
    outcomes, then give-backs, then starts. Answers per request, in the order given."""
    statuses = record_outcomes(session=session, worker=worker, now=now, rng=rng, settings=settings,
                               outcomes=[o for r in requests if r.done for o in r.done.outcomes])
    withdraw_attempts(session=session, worker=worker,
                      message_ids=[u.message_id for r in requests if r.done for u in r.done.untried])
    released = [release_many(session=session, worker=worker, releases=r.done.untried if r.done else [])
                for r in requests]
    started = start_attempts(session=session, message_ids=[i for r in requests for i in r.ids], worker=worker,
                             now=now, lease=lease_for(settings))
    return [
        Settled({o.message_id: statuses[o.message_id] for o in r.done.outcomes} if r.done else {}, count,
                {i: started[i] for i in r.ids if i in started})
        for r, count in zip(requests, released, strict=True)
    ]


class Recorder:
    """Group commit for one batch's lanes. At most one transaction runs at a time; requests that
    arrive meanwhile wait for the next, which takes them all."""

    def __init__(self, engine, *, worker: str, clock, rng, settings):
        self.engine, self.worker, self.clock, self.rng, self.settings = engine, worker, clock, rng, settings
        self.waiting: list[tuple[Settle, asyncio.Future]] = []
        self.writing: asyncio.Future | None = None

    async def settle(self, request: Settle) -> Settled:
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((request, future))
        if self.writing is None or self.writing.done():
            self.writing = asyncio.ensure_future(self._write())
        return await future

    async def _write(self) -> None:
        while self.waiting:
            group, self.waiting = self.waiting, []
            try:
                answers = await self._settle_group([request for request, _ in group])
            except asyncio.CancelledError:
                for _, future in group + self.waiting:
                    future.cancel()
                self.waiting = []  # a later settle must not commit starts for lanes that are gone
                raise
            except Exception as exc:  # every lane in the group learns that its writes did not happen
                for _, future in group:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), answer in zip(group, answers, strict=True):
                if not future.done():
                    future.set_result(answer)

    async def _settle_group(self, requests: list[Settle]) -> list[Settled]:
        """settle_all in one transaction, run again (up to ATTEMPTS) when the database rolled it
        back because another transaction was in its way (a deadlock between two workers, a busy
        SQLite: transient.py), rather than failing every lane of the group.

        Running it again is safe. An error before the COMMIT leaves nothing written: transaction()
        rolls back, and a transaction whose connection dropped is never committed. settle_all has
        no effect outside its transaction (transitions.py, claim.py: no files, no network, nothing
        kept in the process but compiled SQL; the rng only draws next-attempt times) and only reads
        its requests, so a second run is the first one a little later, in a new session, checking
        each claim afresh like any run. Only the COMMIT's own failure can leave the outcome
        unknown, so an error after settle_all returned is never retried, whatever it says.
        """
        attempt = 1
        while True:
            committing: list[bool] = []
            try:
                return await in_transaction(
                    self.engine, _settle_all_then_commit, committing=committing, worker=self.worker,
                    now=self.clock(), rng=self.rng, settings=self.settings, requests=requests)
            except Exception as exc:
                reason = transient_reason(exc)
                if committing or reason is None or attempt == ATTEMPTS:
                    raise
                delay = BACKOFF * 2 ** (attempt - 1) * (self.rng or random).uniform(0.5, 1.0)
                log.warning("group commit retried", extra={"worker": self.worker, "attempt": attempt,
                                                           "reason": reason, "lanes": len(requests),
                                                           "delay": round(delay, 3)})
                await asyncio.sleep(delay)
            attempt += 1


def _settle_all_then_commit(*, committing: list[bool], **kwargs) -> list[Settled]:
    """settle_all, noting that it returned: an error after that is the COMMIT's."""
    answers = settle_all(**kwargs)
    committing.append(True)
    return answers
