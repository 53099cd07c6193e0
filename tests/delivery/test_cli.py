"""The delivery verbs, run through click against the test database."""

from __future__ import annotations

import asyncio
import threading

import pytest
from click.testing import CliRunner

from relay.cli.send import outbox_cmd, send_cmd, worker_cmd
from relay.models import utcnow
from tests.delivery.helpers import queue


@pytest.fixture
def cli_env(settings, monkeypatch):

    monkeypatch.setattr("relay.cli.send.settings_or_exit", lambda: settings)
    return settings


def test_it_sends_and_shows_the_outbox(engine, cli_env):
    queue(engine, ["a@voss.test", "b@voss.test"], now=utcnow())
    runner = CliRunner()
    waiting = runner.invoke(outbox_cmd, [])
    assert "queued: 2" in waiting.output and "oldest waiting: 0 min" in waiting.output
    assert "a@voss.test" in waiting.output
    sent = runner.invoke(send_cmd, [])
    assert sent.exit_code == 0 and sent.output.strip() == "claimed 2, sent 2"
    after = runner.invoke(outbox_cmd, ["--failing"])
    assert "sent: 2" in after.output and "nothing failing" in after.output
    assert runner.invoke(worker_cmd, []).exit_code == 0


async def test_it_finishes_the_message_in_hand_when_asked_to_stop(engine, settings):
    from relay.delivery.maildir import MaildirLane
    from relay.delivery.worker import run_worker, send_due

    stop = threading.Event()

    class StopAfterOne(MaildirLane):
        async def deliver(self, item, mime, following=None):
            verdict = await super().deliver(item, mime, following)
            stop.set()  # SIGTERM arrives while this message is on the wire
            return verdict

    queue(engine, [f"{c}@voss.test" for c in "abcde"], now=utcnow())
    report = await send_due(engine=engine, settings=settings, worker="w", stop=stop,
                            lane_factory=lambda: StopAfterOne(settings.maildir_path))
    assert (report.sent, report.released) == (1, 4)
    assert len(list((settings.maildir_path / "new").iterdir())) == 1
    # The loop: drains the rest, then idles until stopped.
    loop_stop = threading.Event()
    task = asyncio.create_task(run_worker(engine=engine, settings=settings, stop=loop_stop, worker="loop",
                                          idle_seconds=0.05))
    for _ in range(200):
        await asyncio.sleep(0.02)
        if len(list((settings.maildir_path / "new").iterdir())) == 5:
            break
    loop_stop.set()
    total = await asyncio.wait_for(task, 10)
    assert total.sent == 4


async def test_it_never_sends_an_announced_message_empty_when_stopped(engine, settings):
    """The next message's MAIL/RCPT/DATA ride behind each content (pipelining); when the worker
    stops before sending that content, the session is dropped, so the server gets nothing for it."""
    from relay.delivery.smtp import SmtpLane
    from relay.delivery.worker import send_all, send_due
    from tests.delivery.faults import FaultServer
    from tests.delivery.helpers import with_smtp

    stop = threading.Event()

    class StopAfterOne(SmtpLane):
        async def deliver(self, item, mime, following=None):
            verdict = await super().deliver(item, mime, following)
            stop.set()
            return verdict

    queue(engine, [f"{c}@voss.test" for c in "abc"], now=utcnow())
    with FaultServer() as server:
        cfg = with_smtp(settings, host="127.0.0.1", port=server.port, concurrency=1)
        report = await send_due(engine=engine, settings=cfg, worker="w", stop=stop,
                                lane_factory=lambda: StopAfterOne(cfg.smtp))
        assert (report.sent, report.released) == (1, 2)
        assert [rcpt for _, rcpt, _ in server.received] == ["a@voss.test"]
        assert send_all(engine=engine, settings=cfg, worker="w2").sent == 2
        assert sorted(server.handler.message_ids.values()) == [1, 1, 1]
