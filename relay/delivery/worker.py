"""The sender's entry points: one step (`handle_one`), a drain (`send_all`), and a loop (`run_worker`).

The same functions serve the scheduler inside `relay run`, the `relay send` / `relay worker`
commands and the tests (STYLE C5).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from relay.delivery import wakeup
from relay.delivery.batch import SendReport, send_due
from relay.delivery.lanes import lane_pool

__all__ = ["SendReport", "send_due", "send_all", "handle_one", "run_worker", "worker_name"]

log = logging.getLogger("relay.delivery")
# Messages claimed per round: several chunks per lane, so a lane's database writes overlap its
# sending (batch.py) and the pause between rounds (claim, slowest lane) is paid rarely.
BATCH = 500


def worker_name(prefix: str = "worker") -> str:
    """Unique per process: ownership checks compare claimed_by, so two workers must never share one."""
    return f"{prefix}:{socket.gethostname()}:{os.getpid()}"


async def handle_one(*, engine, settings, worker: str, batch: int = BATCH, now: datetime | None = None,
                     stop=None) -> bool:
    """One batch. True: something was claimed, go again at once; False: idle, sleep."""
    report = await send_due(engine=engine, settings=settings, worker=worker, batch=batch, now=now, stop=stop)
    return report.claimed > 0 and not report.auth_failed


async def drain(*, engine, settings, worker: str, batch: int = BATCH, now: datetime | None = None,
                stop=None) -> SendReport:
    """Batches until nothing is due now. Retries and pushed-back messages are due later, so it ends."""
    total = SendReport()
    lanes = lane_pool(settings)
    try:
        while not (stop is not None and stop.is_set()):
            report = await send_due(engine=engine, settings=settings, worker=worker, batch=batch, now=now,
                                    stop=stop, lanes=lanes)
            total.merge(report)
            if report.claimed == 0 or report.auth_failed:
                break
    finally:
        await lanes.close()
    return total


def send_all(*, engine, settings, worker: str = "cli", batch: int = BATCH, now: datetime | None = None) -> SendReport:
    """Synchronous drain for the scheduler and the CLI; safe to call from inside a running event loop."""
    coroutine = drain(engine=engine, settings=settings, worker=worker, batch=batch, now=now)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def run_worker(*, engine, settings, stop: threading.Event | asyncio.Event, worker: str | None = None,
                     batch: int = BATCH, idle_seconds: float = 5.0) -> SendReport:
    """Send until `stop` is set. The batch in hand finishes its current messages and gives back the rest."""
    worker = worker or worker_name()
    total = SendReport()
    lanes = lane_pool(settings)
    woken = wakeup.subscribe(wakeup.SEND)  # a commit that queues messages ends the idle sleep at once
    wakeup.listen(engine)  # PostgreSQL: other processes' commits too
    log.info("worker started", extra={"worker": worker})
    try:
        await _loop(engine, settings, stop, worker, batch, idle_seconds, lanes, total, woken)
    finally:
        wakeup.unsubscribe(woken)
        await lanes.close()
    log.info("worker stopped", extra={"worker": worker, "sent": total.sent})
    return total


async def _loop(engine, settings, stop, worker, batch, idle_seconds, lanes, total: SendReport, woken) -> None:
    # Every claim sweeps expired leases first (batch.py), so a worker alone still recovers dead claims.
    while not stop.is_set():
        woken.clear()  # before the claim: a commit after it wakes the sleep below
        report = await send_due(engine=engine, settings=settings, worker=worker, batch=batch,
                                stop=stop, lanes=lanes)
        total.merge(report)
        if report.claimed == 0 or report.auth_failed:
            # Idle connections would only time out on the server's side.
            await lanes.close()
            await _idle(stop, idle_seconds, woken)


async def _idle(stop, seconds: float, woken=None) -> None:
    """Sleep, but wake as soon as stop is set (either kind of event) or messages are queued (woken)."""
    step = 0.02
    waited = 0.0
    while waited < seconds and not stop.is_set() and not (woken is not None and woken.is_set()):
        await asyncio.sleep(step)
        waited += step
