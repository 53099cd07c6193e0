"""Wake-ups: a committed alert wakes the planner, committed messages wake the sender, at once.

The scheduler's ticks (plan every minute, send every 15 s) made an urgent alert wait up to 75 s.
Now the transaction that approves an alert or queues a message asks for a wake-up (`wake_on_commit`);
when it commits, waiters in this process are woken directly (SQLite, `relay run`), and on
PostgreSQL a NOTIFY inside the same transaction reaches every other process that LISTENs
(`listen`: `relay worker --loop`, `relay scheduler`), delivered only if the transaction commits.
A rolled-back transaction wakes nobody. The ticks stay, as the safety net for a lost notification.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, object_session

from relay.models import Alert

log = logging.getLogger("relay.delivery")
PLAN = "relay_plan"  # an alert was approved or changed: plan and render now
SEND = "relay_send"  # messages were queued: send now
_PENDING = "relay_wakeups"  # key in Session.info: channels to wake when this transaction commits

_lock = threading.Lock()
_callbacks: dict[str, list[Callable[[], None]]] = defaultdict(list)
_listeners: dict[str, Listener] = {}


def wake_on_commit(session: Session, channel: str) -> None:
    """Wake `channel`'s waiters when the session's transaction commits (and only then)."""
    session.info.setdefault(_PENDING, set()).add(channel)


def on_wake(channel: str, callback: Callable[[], None]) -> None:
    """Call `callback` (quick, thread-safe: it runs in the waking thread) whenever `channel` is woken."""
    with _lock:
        _callbacks[channel].append(callback)


def off_wake(callback: Callable[[], None]) -> None:
    with _lock:
        for callbacks in _callbacks.values():
            while callback in callbacks:
                callbacks.remove(callback)


def subscribe(*channels: str) -> threading.Event:
    """An event this process sets whenever one of `channels` is woken; the waiter clears it."""
    waiter = threading.Event()
    for channel in channels:
        on_wake(channel, waiter.set)
    return waiter


def unsubscribe(waiter: threading.Event) -> None:
    off_wake(waiter.set)


def wake_local(channel: str) -> None:
    with _lock:
        callbacks = list(_callbacks.get(channel, ()))
    for callback in callbacks:
        callback()


@event.listens_for(Session, "before_commit")
def _notify_other_processes(session: Session) -> None:
    channels = session.info.get(_PENDING)
    if channels and session.get_bind().dialect.name == "postgresql":
        # Inside the transaction: PostgreSQL delivers it at COMMIT, and never if it rolls back.
        # The payload names this process, whose own waiters after_commit wakes directly: its listener
        # skips the echo, so a commit wakes each process once.
        for channel in sorted(channels):
            session.execute(text("SELECT pg_notify(:channel, :sender)"), {"channel": channel, "sender": str(os.getpid())})


@event.listens_for(Session, "after_commit")
def _wake_this_process(session: Session) -> None:
    for channel in session.info.pop(_PENDING, ()):
        wake_local(channel)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    """Rolled back or closed without a commit (a preview): nobody is woken. After a commit this
    finds nothing left; a savepoint's end is not the transaction's."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


@event.listens_for(Alert, "after_insert")
def _alert_approved(mapper, connection, alert: Alert) -> None:
    """Approval (curation.approve_item) inserts the Alert row: the planner looks at once."""
    session = object_session(alert)
    if session is not None and alert.approved_at is not None:
        wake_on_commit(session, PLAN)


@event.listens_for(Alert, "after_update")
def _alert_changed(mapper, connection, alert: Alert) -> None:
    """An alert approved or made urgent later. Only those columns: the planner itself updates alerts
    (assigned_at), and waking on that would run it in a loop."""
    state = inspect(alert)
    if any(state.attrs[name].history.has_changes() for name in ("approved_at", "priority")):
        _alert_approved(mapper, connection, alert)


def listen(engine: Engine) -> None:
    """On PostgreSQL, relay other processes' notifications to this process's waiters (idempotent)."""
    if engine.dialect.name != "postgresql":
        return
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with _lock:
        if url not in _listeners:
            _listeners[url] = Listener(url)
            _listeners[url].start()


class Listener(threading.Thread):
    """One dedicated connection per process and database, LISTENing on every channel."""

    def __init__(self, url: str):
        super().__init__(name="relay-listen", daemon=True)
        self.url = url
        self.ready = threading.Event()

    def run(self) -> None:
        import psycopg

        while True:
            try:
                with psycopg.connect(self.url, autocommit=True) as connection:
                    for channel in (PLAN, SEND):
                        connection.execute(f"LISTEN {channel}")
                    self.ready.set()
                    # Anything committed while we were away is found by the first pass anyway.
                    for channel in (PLAN, SEND):
                        wake_local(channel)
                    for notification in connection.notifies():
                        if notification.payload != str(os.getpid()):
                            wake_local(notification.channel)
            except Exception:  # noqa: BLE001 - reconnect; the ticks cover the gap
                log.warning("wake-up listener lost its connection; reconnecting", exc_info=True)
                self.ready.clear()
            threading.Event().wait(1.0)


class RunSoon:
    """A job that a tick or a wake-up may ask for at any time: it runs at once in the caller's thread,
    or, when a run is already going, once more right after it, so no request made during a run is
    lost (APScheduler would skip it: max_instances=1)."""

    def __init__(self, job):
        self.job = job
        self._running = threading.Lock()
        self._asked = threading.Event()

    def __call__(self) -> None:
        self._asked.set()
        while self._asked.is_set() and self._running.acquire(blocking=False):
            try:
                while self._asked.is_set():
                    self._asked.clear()
                    self.job()
            finally:
                self._running.release()


class Waker(threading.Thread):
    """Runs jobs when their channels are woken: {channel: job}. Each job runs in its own thread so a
    long planning run does not hold up sending."""

    def __init__(self, jobs: dict[str, RunSoon], engine: Engine):
        super().__init__(name="relay-waker", daemon=True)
        self.jobs, self.engine = jobs, engine
        self.stopped = threading.Event()
        self._woken: set[str] = set()
        self._any = threading.Event()
        self.running: list[threading.Thread] = []
        self._callbacks = {channel: functools.partial(self._wake, channel) for channel in jobs}
        for channel, callback in self._callbacks.items():
            on_wake(channel, callback)

    def _wake(self, channel: str) -> None:
        with _lock:
            self._woken.add(channel)
        self._any.set()

    def run(self) -> None:
        listen(self.engine)
        while not self.stopped.is_set():
            self._any.wait(timeout=1.0)
            self._any.clear()
            with _lock:
                woken, self._woken = self._woken, set()
            self.running = [thread for thread in self.running if thread.is_alive()]
            for channel in sorted(woken):
                if not self.stopped.is_set():
                    thread = threading.Thread(target=self.jobs[channel], name=f"relay-wake-{channel}", daemon=True)
                    thread.start()
                    self.running.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop waking, and let the runs already started finish (as the scheduler's shutdown does)."""
        self.stopped.set()
        self._any.set()
        for callback in self._callbacks.values():
            off_wake(callback)
        if self.is_alive():
            self.join(timeout)
        for thread in self.running:
            thread.join(timeout)
