"""Relay's embedded default: with no SMTP host, each message becomes a file in a local Maildir.

A laptop trial needs no mail server, and anything that reads Maildir (mutt, Thunderbird with a
maildir account, `ls`) shows what would have gone out.
"""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

from relay.delivery.policy import Verdict


class MaildirLane:
    """Writes messages the Maildir way: into tmp/, fsync, then an atomic rename into new/."""

    host = "maildir"

    def __init__(self, path: Path):
        self.path = Path(path)
        self.usable = True

    def _prepare(self) -> None:
        for sub in ("tmp", "new", "cur"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)

    def filename(self, item) -> str:
        # Stable per message row (time of creation, row id): a retry after a crash between the
        # rename and the commit finds its own file instead of writing a second copy.
        host = socket.gethostname().replace("/", r"\057").replace(":", r"\072")
        return f"{int(item.created_at.timestamp())}.R{item.id}.{host}"

    def _write(self, item, mime: bytes) -> Path:
        self._prepare()
        name = self.filename(item)
        done = self.path / "new" / name
        if done.exists() or any((self.path / "cur").glob(f"{name}:*")):
            return done
        tmp = self.path / "tmp" / f"{name}.{os.getpid()}"
        with open(tmp, "wb") as handle:
            handle.write(mime)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, done)
        return done

    async def deliver(self, item, mime: bytes, following=None) -> Verdict:
        """following: the message that comes next (SMTP announces it early; a file needs nothing)."""
        try:
            path = await asyncio.to_thread(self._write, item, mime)
        except OSError as exc:
            # A full disk or a missing permission is our problem: retry, then technical-failure.
            return Verdict("retry", f"cannot write to maildir {self.path}: {exc}", "config", ours=True)
        return Verdict("sent", f"written to maildir {path}", queue_id=path.name, host=self.host)

    async def close(self) -> None:
        return None
