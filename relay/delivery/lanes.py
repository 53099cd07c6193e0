"""Lanes kept open across batches: the SMTP connections (or the Maildir) a worker delivers on."""

from __future__ import annotations

from relay.delivery.maildir import MaildirLane
from relay.delivery.smtp import SmtpLane


class LanePool:
    """Lanes kept open from one batch to the next (a drain, a worker loop), so a connection carries
    up to messages_per_connection messages instead of one batch's share. A lane that gave up is
    closed, and the next batch gets a fresh one."""

    def __init__(self, factory):
        self.factory = factory
        self.idle: list = []

    def take(self):
        return self.idle.pop() if self.idle else self.factory()

    async def put(self, lane) -> None:
        # A lane that announced a message it then did not send (the worker is stopping) is closed.
        if lane.usable and getattr(lane, "pending", None) is None:
            self.idle.append(lane)
        else:
            await lane.close()

    async def close(self) -> None:
        idle, self.idle = self.idle, []
        for lane in idle:
            await lane.close()


def lane_pool(settings) -> LanePool:
    """SMTP lanes when a host is set, otherwise the local Maildir."""
    if settings.smtp.mode == "direct":  # issue 18: to each municipality's own mail server
        from relay.delivery.direct import DirectLane

        return LanePool(lambda: DirectLane(settings))
    if settings.smtp.host:
        return LanePool(lambda: SmtpLane(settings.smtp))
    return LanePool(lambda: MaildirLane(settings.maildir_path))
