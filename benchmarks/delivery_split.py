"""Where the delivery benchmark's time goes: the wire alone, the database alone, and CPU per message.

The throughput run (delivery.py) sends through the whole path: claim, start the attempts, send,
record the outcomes. Beside it, the same messages go
- over the wire alone: Relay's own SMTP lanes (pipelining, the same concurrency, the same sink)
  fed from memory, with no database at all;
- through the database alone: the real claim/start/record path with lanes that accept each
  message at once, no network.
One Python process runs both halves under one interpreter lock, so its rate can be no better
than 1 / (1/wire + 1/database) when neither half's CPU overlaps the other's. The figures make
that ceiling, and how far Relay is from smtp-source's CPU per message, something to measure
rather than to argue. Machine CPU per message (all processes: sender, sink, database server)
comes from /proc/stat and is left out where there is none.
"""

from __future__ import annotations

import asyncio
import os
import time

from relay.delivery.batch import OutboxItem, send_due
from relay.delivery.lanes import LanePool
from relay.delivery.policy import Verdict
from relay.delivery.smtp import SmtpLane
from relay.models import utcnow


class MachineClock:
    """Wall time, this process's CPU and the whole machine's busy CPU between start() and stop()."""

    def start(self) -> MachineClock:
        self.wall, self.cpu, self.machine = time.perf_counter(), time.process_time(), machine_busy_seconds()
        return self

    def stop(self, n: int) -> dict:
        wall = time.perf_counter() - self.wall
        figures = {"per_second": round(n / wall, 1),
                   "process_cpu_us_per_message": round((time.process_time() - self.cpu) / n * 1e6)}
        machine = machine_busy_seconds()
        if machine is not None and self.machine is not None:
            figures["machine_cpu_us_per_message"] = round((machine - self.machine) / n * 1e6)
        return figures


def machine_busy_seconds() -> float | None:
    """CPU seconds every core has spent on anything but idle and I/O wait since boot (Linux)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return None
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def items(n: int, size: int) -> list[OutboxItem]:
    """The throughput run's messages, in memory: delivery._enqueue queues these, wire_only sends them as they are."""
    line = "Samvær etter omsorgsovertaking, artikkel 8 EMK. Kommunen må vurdere samvær.\r\n"
    body = (line * (size // len(line) + 1))[:size]
    now = utcnow()
    made = []
    for i in range(n):
        to = f"postmottak@k{i % 356:04d}.kommune.test"
        mime = (f"From: Relay <relay@relay.test>\r\nTo: {to}\r\nSubject: Relay {i}\r\n"
                f"Message-ID: <b{i}@relay.test>\r\nMIME-Version: 1.0\r\n"
                f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                f"{body}\r\n").encode()
        made.append(OutboxItem(i + 1, to, "bounces@relay.test", f"<b{i}@relay.test>", mime, now, None, None))
    return made


def wire_only(settings, n: int, size: int) -> dict:
    """Relay's lanes into the sink with no database: `concurrency` lanes, each message announced
    behind the one before (as batch.py sends them). Raises if the sink refused anything."""
    queue = items(n, size)
    lanes = [SmtpLane(settings.smtp) for _ in range(settings.smtp.concurrency)]
    shares = [queue[i::len(lanes)] for i in range(len(lanes))]

    async def lane_run(lane: SmtpLane, share: list[OutboxItem]) -> list[Verdict]:
        verdicts = []
        for index, item in enumerate(share):
            following = share[index + 1] if index + 1 < len(share) else None
            verdicts.append(await lane.deliver(item, item.mime, following))
        await lane.close()
        return verdicts

    async def everything() -> list[Verdict]:
        done = await asyncio.gather(*(lane_run(lane, share) for lane, share in zip(lanes, shares, strict=True)))
        return [verdict for verdicts in done for verdict in verdicts]

    clock = MachineClock().start()
    verdicts = asyncio.run(everything())
    figures = clock.stop(n)
    refused = [v.reply for v in verdicts if v.action != "sent"]
    if refused:
        raise RuntimeError(f"the sink refused {len(refused)} messages over the wire alone: {refused[0]}")
    return figures


class InstantLane:
    """A lane that accepts every message at once: the database path with no network behind it."""

    usable = True
    pending = None

    async def deliver(self, item, mime: bytes, following=None) -> Verdict:
        await asyncio.sleep(0)  # a real lane yields to the loop at least once per message
        return Verdict("sent", "250 2.0.0 Ok: queued as B1", queue_id="B1", host="instant")

    async def close(self) -> None:
        pass


def database_only(engine, settings, n: int, batch: int) -> dict:
    """The real claim/start/record path (send_due, as a drain runs it) with instant lanes."""
    async def drain() -> int:
        pool, sent = LanePool(InstantLane), 0
        while report := await send_due(engine=engine, settings=settings, worker="bench-db", batch=batch, lanes=pool):
            if not report.claimed:
                break
            sent += report.sent
        return sent

    clock = MachineClock().start()
    sent = asyncio.run(drain())
    figures = clock.stop(n)
    if sent != n:
        raise RuntimeError(f"the database-only run sent {sent} of {n}")
    return figures


def ceiling(wire_per_second: float, database_per_second: float) -> float:
    """The most one process can reach when the two halves' CPU does not overlap."""
    return round(1 / (1 / wire_per_second + 1 / database_per_second), 1)

