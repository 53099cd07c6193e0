"""The heartbeat: while a worker holds claims, it renews them every smtp.heartbeat_seconds.

Leases are short (smtp.lease_seconds, 30 s) so that a killed worker's messages go to another
within one lease; a live worker keeps its own by renewing them, however long its SMTP server
takes. A renewal that fails (a database hiccup) is logged and tried again at the next beat: with
the lease at least twice the interval, one missed beat does not lose a claim.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from relay.delivery.claim import lease_for, renew_leases
from relay.delivery.recorder import in_transaction

log = logging.getLogger("relay.delivery")


class Heartbeat:
    """An async context: renewals run in the background for as long as the block runs."""

    def __init__(self, engine, *, worker: str, settings, clock):
        self.engine, self.worker, self.clock = engine, worker, clock
        self.interval = settings.smtp.heartbeat_seconds
        self.lease = lease_for(settings)
        self.beats = 0  # renewals that reached the database (tests and logs)
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> Heartbeat:
        self._task = asyncio.ensure_future(self._run())
        return self

    async def __aexit__(self, *exc) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                renewed = await in_transaction(self.engine, renew_leases, worker=self.worker, now=self.clock(),
                                               lease=self.lease)
            except Exception:  # noqa: BLE001 - the next beat tries again; the lease allows one miss
                log.warning("lease renewal failed", exc_info=True, extra={"worker": self.worker})
                continue
            self.beats += 1
            log.debug("leases renewed", extra={"worker": self.worker, "count": renewed})
