"""Delivery benchmark: messages/s into an SMTP sink, and a kill-and-restart run that counts losses.

    python -m benchmarks delivery [--quick]            # 10,000 messages (quick: 400)
    python -m benchmarks.delivery --messages 2000      # any size, figures as JSON

On SQLite, and also on PostgreSQL when RELAY_BENCH_DATABASE_URL names one (it is emptied!).

Throughput goes into Postfix's smtp-sink when it is on PATH (Debian package postfix), and is
compared with Postfix's own smtp-source at the same message size, concurrency and connection
reuse; otherwise into an aiosmtpd sink. Beside smtp-source, the same messages through Postfix's own
durable queue (smtp-source into a local Postfix whose relayhost is the sink, postfix_queue.py),
and Relay's ratio to it: the durable reference. Beside the one worker, the same messages go through two
worker processes splitting the same total concurrency (a configuration the design allows; on two
cores one Python process is held to about one by its GIL), reported as two_workers; and the two
halves of the path measured apart (delivery_split.py: the wire alone, the database alone, the
ceiling they set for one process, CPU per message of the whole machine beside smtp-source's). Beside
rss2email (when installed: the bench extra), the same feed entries from a local HTTP server into
the same sink (up to 2,000); skipped with a note when it is not installed. The kill run starts a
worker process, SIGKILLs it twice mid-batch, sweeps the leases and restarts; a counting aiosmtpd
sink reports what was lost (must be 0) and duplicated (must not exceed what Relay counted as
possible duplicates). The takeover run starts two looping workers and SIGKILLs one mid-batch: the
other must send everything within one lease plus 15 s (45 s at the 30 s lease; --quick uses 5 s).
"""

from __future__ import annotations

import argparse
import contextlib
import email
import html
import http.server
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import func, select, text

from benchmarks import delivery_split as split
from benchmarks import postfix_queue
from relay import migrate
from relay.db import make_engine, transaction
from relay.delivery.claim import LEASE, sweep_expired_leases
from relay.delivery.outbox import enqueue
from relay.delivery.worker import BATCH, send_all
from relay.models import Message, utcnow
from relay.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
SIZE = 4096
CONCURRENCY = 4


class CountingSink:
    def __init__(self):
        self.ids: Counter = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        mid = email.message_from_bytes(envelope.original_content.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n")["Message-ID"]
        with self.lock:
            self.ids[mid] += 1
        return "250 2.0.0 Ok: queued as B" + str(sum(self.ids.values()))


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _settings(url: str, data_dir: Path, port: int, concurrency: int = CONCURRENCY, lease: float | None = None):
    smtp = {"host": "127.0.0.1", "port": port, "concurrency": concurrency, "messages_per_connection": 1000,
            "domain_rate_per_minute": 1_000_000}
    if lease is not None:
        smtp.update(lease_seconds=lease, heartbeat_seconds=lease / 3)
    return load_settings(database_url=url, data_dir=data_dir, secret_key="bench-not-secret", scheduler=False,
                         smtp=smtp)


def _fresh_db(workdir: Path, name: str, url: str | None = None):
    url = url or f"sqlite:///{workdir / name}.db"
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    return url, engine


def _enqueue(engine, n: int, size: int) -> int:
    """n messages of about `size` body bytes to 356 municipal domains; returns the mean MIME size."""
    total = 0
    with transaction(engine) as session:
        for i, item in enumerate(split.items(n, size)):
            total += len(item.mime)
            enqueue(session=session, purpose_key=f"bench:{i}", kind="alert", to_address=item.to_address,
                    envelope_from=item.envelope_from, message=item.mime, subject=f"Relay {i}",
                    message_id_header=item.message_id_header)
    return total // max(n, 1)


def throughput(n: int, workdir: Path, url: str | None = None) -> dict:
    url, engine = _fresh_db(workdir, "throughput", url)
    mean = _enqueue(engine, n, SIZE)
    result: dict = {"messages": n, "mean_message_bytes": mean, "concurrency": CONCURRENCY}
    with _sink() as (port, sink_name):
        result["sink"] = sink_name
        settings = _settings(url, workdir / "t", port)
        clock = split.MachineClock().start()
        report = send_all(engine=engine, settings=settings, worker="bench")
        relay = clock.stop(n)
        engine.dispose()
        result.update(relay_seconds=round(n / relay["per_second"], 2), report=str(report),
                      **{f"relay_{key}": value for key, value in relay.items()})
        result.update(_two_workers(n, workdir, url, port))
        result.update(_split(n, workdir, url, settings))
        source = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
        if sink_name == "postfix smtp-sink" and Path(source).exists():
            clock = split.MachineClock().start()
            subprocess.run([source, "-d", "-s", str(CONCURRENCY), "-m", str(n), "-l", str(mean),
                            "-f", "bounces@relay.test", "-t", "postmottak@k0001.kommune.test",
                            "-M", "relay.test", f"127.0.0.1:{port}"], check=True)
            source_figures = clock.stop(n)
            rate = source_figures["per_second"]
            result.update(smtp_source_per_second=rate,
                          relay_to_smtp_source=round(result["relay_per_second"] / rate, 3),
                          two_workers_to_smtp_source=round(result["two_workers_per_second"] / rate, 3),
                          ceiling_to_smtp_source=round(result["one_process_ceiling_per_second"] / rate, 3))
            if "machine_cpu_us_per_message" in source_figures:
                result["smtp_source_machine_cpu_us_per_message"] = source_figures["machine_cpu_us_per_message"]
        result.update(_postfix_queue(n, mean, port, source, result["relay_per_second"]))
    return result


def _postfix_queue(n: int, mean: int, port: int, source: str, relay_rate: float) -> dict:
    """Postfix's own durable queue into the same sink (postfix_queue.py), and Relay's ratio to it."""
    why = postfix_queue.unavailable() or (None if Path(source).exists() else "smtp-source is not installed")
    if why:
        return {"postfix_queue": f"skipped: {why}"}
    figures = postfix_queue.measure(n, mean, port, CONCURRENCY, source)
    figures["relay_to_postfix_queue"] = round(relay_rate / figures["postfix_queue_relay_per_second"], 2)
    return figures


def _split(n: int, workdir: Path, url: str, settings) -> dict:
    """The wire alone and the database alone (delivery_split.py), and the one-process ceiling they set."""
    wire = split.wire_only(settings, n, SIZE)
    url, engine = _fresh_db(workdir, "database-only", None if url.startswith("sqlite") else url)
    _enqueue(engine, n, SIZE)
    database = split.database_only(engine, settings, n, BATCH)
    engine.dispose()
    figures = {f"wire_only_{key}": value for key, value in wire.items()}
    figures.update({f"database_only_{key}": value for key, value in database.items()})
    figures["one_process_ceiling_per_second"] = split.ceiling(wire["per_second"], database["per_second"])
    return figures


def _two_workers(n: int, workdir: Path, url: str, port: int) -> dict:
    """The same total concurrency split over two `relay worker`-like processes (the design allows
    many; on a 2-core machine one process is bound to one core by the GIL). Timed from the moment
    both have imported everything and are told to go until both have drained the outbox."""
    url, engine = _fresh_db(workdir, "two-workers", None if url.startswith("sqlite") else url)
    _enqueue(engine, n, SIZE)
    engine.dispose()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [subprocess.Popen([sys.executable, "-m", "benchmarks.delivery", "--go-worker", url, str(port),
                                 str(workdir / f"g{i}"), str(CONCURRENCY // 2)],
                                cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for i in range(2)]
    for worker in workers:
        assert worker.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    reports = [worker.communicate(timeout=600)[0].strip() for worker in workers]
    seconds = time.perf_counter() - started
    engine = make_engine(url)
    with transaction(engine) as session:
        unsent = session.scalar(select(func.count()).where(Message.status != "sent"))
    engine.dispose()
    if unsent or any(w.returncode for w in workers):
        raise RuntimeError(f"two workers left {unsent} unsent: {reports}")
    return {"two_workers_per_second": round(n / seconds, 1), "two_workers_reports": " | ".join(reports)}


@contextlib.contextmanager
def _sink():
    """Postfix's smtp-sink on a free port when installed, otherwise a counting aiosmtpd sink."""
    port = _free_port()
    sink_bin = shutil.which("smtp-sink") or ("/usr/sbin/smtp-sink" if Path("/usr/sbin/smtp-sink").exists() else None)
    if sink_bin:
        user = ["-u", "nobody"] if os.geteuid() == 0 else []
        sink = subprocess.Popen([sink_bin, *user, f"127.0.0.1:{port}", "256"])
        time.sleep(0.3)  # let it bind
        try:
            yield port, "postfix smtp-sink"
        finally:
            sink.terminate()
            sink.wait()
        return
    controller = Controller(CountingSink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, "aiosmtpd"
    finally:
        controller.stop()


def _feed(n: int, size: int) -> bytes:
    """An RSS 2.0 feed of n judgment entries, each with about `size` bytes of summary."""
    line = "Samvær etter omsorgsovertaking, artikkel 8 EMK. Kommunen må vurdere samvær. "
    summary = html.escape((line * (size // len(line) + 1))[:size])
    items = "".join(
        f"<item><title>Sak {i} mot Norge (dom)</title><link>https://hudoc.test/eng?i=001-{i}</link>"
        f"<guid isPermaLink=\"false\">bench-{i}</guid><pubDate>Tue, 04 Mar 2025 10:00:00 +0000</pubDate>"
        f"<description>{summary}</description></item>" for i in range(n))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Relay bench</title>'
            f"<link>https://hudoc.test/</link><description>bench</description>{items}</channel></rss>").encode()


@contextlib.contextmanager
def _serve(body: bytes):
    """The feed over HTTP on 127.0.0.1, as a source serves it (rss2email fetches URLs itself)."""
    class Feed(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server hook
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    finally:
        server.shutdown()
        server.server_close()


def _r2e_command() -> list[str] | None:
    """How to run rss2email's r2e, or None when it is not installed (the bench extra)."""
    if importlib.util.find_spec("rss2email") is None:
        return None
    beside = Path(sys.executable).with_name("r2e")
    return [str(beside)] if beside.exists() else [sys.executable, "-c", "from rss2email.main import run; run()"]


def rss2email(n: int, workdir: Path, url: str | None = None) -> dict:
    """Feed entries to mail: rss2email's `r2e run` against Relay, the same n entries into the same sink.

    Both start from the feed on a local HTTP server. Relay's figure covers fetch, parse, enqueue
    (one committed outbox row per entry) and delivery; r2e's covers its whole run (one SMTP
    connection per message, as rss2email 3.x sends)."""
    r2e = _r2e_command()
    if r2e is None:
        return {"skipped": "rss2email is not installed (pip install rss2email; the bench extra)"}
    feed = _feed(n, SIZE)
    result: dict = {"entries": n}
    with _sink() as (port, sink_name), _serve(feed) as feed_url:
        result["sink"] = sink_name
        config = workdir / "r2e.cfg"
        base = [*r2e, "-c", str(config), "-d", str(workdir / "r2e.json")]
        subprocess.run([*base, "new", "postmottak@k0001.kommune.test"], check=True, capture_output=True)
        # `new` writes the defaults (sendmail); point it at the sink instead.
        config.write_text(f"[DEFAULT]\nto = postmottak@k0001.kommune.test\nfrom = relay@relay.test\n"
                          f"email-protocol = smtp\nsmtp-server = 127.0.0.1\nsmtp-port = {port}\n"
                          f"smtp-ssl = False\nsmtp-auth = False\nverbose = warning\n")
        subprocess.run([*base, "add", "bench", feed_url], check=True, capture_output=True)
        started = time.perf_counter()
        run = subprocess.run([*base, "run"], capture_output=True, text=True)
        seconds = time.perf_counter() - started
        seen = _r2e_seen(workdir / "r2e.json")
        if run.returncode != 0 or seen != n:
            raise RuntimeError(f"r2e run sent {seen} of {n} (exit {run.returncode}): {run.stderr[-500:]}")
        result.update(rss2email_seconds=round(seconds, 2), rss2email_per_second=round(n / seconds, 1))
        url, engine = _fresh_db(workdir, "rss2email", url)
        started = time.perf_counter()
        with urllib.request.urlopen(feed_url, timeout=30) as response:  # noqa: S310 - our own http:// server
            _enqueue_entries(engine, response.read())
        queued = time.perf_counter()
        report = send_all(engine=engine, settings=_settings(url, workdir / "r2e-relay", port), worker="bench")
        done = time.perf_counter()
        engine.dispose()
    if report.sent != n:
        raise RuntimeError(f"Relay sent {report.sent} of {n}: {report}")
    r2e_seconds = result["rss2email_seconds"]
    result.update(relay_delivery_per_second=round(n / (done - queued), 1),
                  relay_delivery_to_rss2email=round(r2e_seconds / (done - queued), 1),
                  relay_end_to_end_per_second=round(n / (done - started), 1),
                  relay_end_to_end_to_rss2email=round(r2e_seconds / (done - started), 1))
    return result


def _r2e_seen(data: Path) -> int:
    """Entries r2e recorded as sent (it records an entry only after the SMTP transaction)."""
    feeds = json.loads(data.read_text())["feeds"]
    return sum(len(feed.get("seen", {})) for feed in feeds)


def _enqueue_entries(engine, raw: bytes) -> None:
    """One outbox message per feed entry, parsed with feedparser as rss2email parses it."""
    import feedparser

    with transaction(engine) as session:
        for entry in feedparser.parse(raw).entries:
            message = EmailMessage()
            message["From"] = "Relay <relay@relay.test>"
            message["To"] = to = "postmottak@k0001.kommune.test"
            message["Subject"] = entry.title
            message["Message-ID"] = mid = f"<{entry.id}@relay.test>"
            message.set_content(f"{entry.summary}\n\n{entry.link}\n")
            enqueue(session=session, purpose_key=f"entry:{entry.id}", kind="alert", to_address=to,
                    envelope_from="bounces@relay.test", message=message, subject=entry.title,
                    message_id_header=mid)


def kill_and_restart(n: int, workdir: Path, kills: int = 2, url: str | None = None) -> dict:
    url, engine = _fresh_db(workdir, "kill", url)
    _enqueue(engine, n, 1024)
    handler = CountingSink()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    stranded = 0
    try:
        for k in range(kills):
            target = n * (k + 1) // (kills + 1)
            worker = subprocess.Popen([sys.executable, "-m", "benchmarks.delivery", "--worker", url, str(port),
                                       str(workdir / f"w{k}")], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
            while sum(handler.ids.values()) < target and worker.poll() is None:
                time.sleep(0.005)
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            with transaction(engine) as session:
                stranded += session.scalar(select(func.count()).where(Message.status == "sending"))
                # Instead of waiting out the lease, sweep as if it had passed.
                sweep_expired_leases(session=session, now=utcnow() + LEASE + timedelta(seconds=1))
        report = send_all(engine=engine, settings=_settings(url, workdir / "r", port), worker="restarted")
        outcome = _losses(engine, handler)
    finally:
        controller.stop()
        engine.dispose()
    return {
        "messages": n, "kills": kills, "claims_stranded_by_kills": stranded, **outcome,
        "restart_report": str(report),
    }


def _losses(engine, handler: CountingSink) -> dict:
    """What the sink received against the outbox: lost, unsent, duplicated, and counted as possible."""
    with transaction(engine) as session:
        rows = session.execute(select(Message.message_id_header, Message.status, Message.possible_duplicates)).all()
    received = dict(handler.ids)
    return {
        "lost": sum(1 for mid, _, _ in rows if mid not in received),
        "not_sent": sum(1 for _, status, _ in rows if status != "sent"),
        "duplicated": sum(c - 1 for c in received.values()),
        "counted_possible_duplicates": sum(p for _, _, p in rows),
    }


def takeover(n: int, workdir: Path, lease: float, url: str | None = None) -> dict:
    """Two `relay worker --loop`-like processes; one is SIGKILLed mid-batch and the other must send
    everything it held within one lease plus a little (goal: 45 s with the 30 s lease), losing
    nothing and duplicating no more than Relay counts as possible duplicates."""
    url, engine = _fresh_db(workdir, "takeover", url)
    _enqueue(engine, n, 1024)
    handler = CountingSink()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def start(name: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "benchmarks.delivery", "--loop-worker", url, str(port),
                                 str(workdir / name), str(lease)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)

    try:
        victim = start("victim")
        while sum(handler.ids.values()) < n // 5 and victim.poll() is None:
            time.sleep(0.005)
        survivor = start("survivor")  # killed as the other starts: it finds the victim's claims still live
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        killed = time.perf_counter()
        with transaction(engine) as session:
            stranded = session.scalar(select(func.count()).where(Message.status == "sending",
                                                                 Message.claimed_by.like(f"%:{victim.pid}")))
        while time.perf_counter() - killed < lease + 60:
            with transaction(engine) as session:
                if not session.scalar(select(func.count()).where(Message.status != "sent")):
                    break
            time.sleep(0.05)
        seconds = time.perf_counter() - killed
        survivor.send_signal(signal.SIGTERM)
        survivor_report = survivor.communicate(timeout=120)[0].strip()
        outcome = _losses(engine, handler)
    finally:
        controller.stop()
        engine.dispose()
    return {
        "messages": n, "lease_seconds": lease, "claims_stranded_by_kill": stranded,
        "seconds_from_kill_to_all_sent": round(seconds, 1), "within_lease_plus_15_s": seconds <= lease + 15,
        **outcome, "survivor_report": survivor_report,
    }


def databases() -> list[tuple[str, str | None]]:
    """SQLite always; PostgreSQL too when RELAY_BENCH_DATABASE_URL names one (it is emptied!)."""
    names: list[tuple[str, str | None]] = [("sqlite", None)]
    if os.environ.get("RELAY_BENCH_DATABASE_URL"):
        names.append(("postgresql", os.environ["RELAY_BENCH_DATABASE_URL"]))
    return names


def run(quick: bool = False, messages: int | None = None) -> dict:
    """Flat figures per database: throughput beside smtp-source, then the kill-and-restart counts."""
    n = messages or (400 if quick else 10_000)
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="relay-bench-") as tmp:
        for name, url in databases():
            workdir = Path(tmp) / name
            workdir.mkdir()
            for part, result in (("throughput", throughput(n, workdir, url)),
                                 ("rss2email", rss2email(min(n, 2000), workdir, url)),
                                 ("kill", kill_and_restart(n, workdir, url=url)),
                                 # --quick: a 5 s lease, so the smoke run does not wait out the real 30 s.
                                 ("takeover", takeover(n, workdir, 5.0 if quick else LEASE.total_seconds(), url))):
                figures.update({f"{name} {part} {key}": value for key, value in result.items()})
    return figures


def _worker(url: str, port: str, data_dir: str) -> None:
    """The process the kill run SIGKILLs."""
    settings = _settings(url, Path(data_dir), int(port))
    send_all(engine=make_engine(url), settings=settings, worker=f"bench:{os.getpid()}")


def _loop_worker(url: str, port: str, data_dir: str, lease: str) -> None:
    """A `relay worker --loop` for the takeover run: sends until SIGTERM, then prints its report."""
    import asyncio

    from relay.delivery.worker import run_worker

    settings = _settings(url, Path(data_dir), int(port), CONCURRENCY // 2, lease=float(lease))

    async def main():
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        return await run_worker(engine=make_engine(url), settings=settings, stop=stop, idle_seconds=0.2)

    print(asyncio.run(main()), flush=True)


def _go_worker(url: str, port: str, data_dir: str, concurrency: str) -> None:
    """A throughput worker: imports, says ready, waits for go, drains, prints its report."""
    settings = _settings(url, Path(data_dir), int(port), int(concurrency))
    engine = make_engine(url)
    print("ready", flush=True)
    sys.stdin.readline()
    print(send_all(engine=engine, settings=settings, worker=f"bench:{os.getpid()}"), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--worker", nargs=3, metavar=("URL", "PORT", "DATA_DIR"), help=argparse.SUPPRESS)
    parser.add_argument("--go-worker", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--loop-worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(*args.worker)
    elif args.go_worker:
        _go_worker(*args.go_worker)
    elif args.loop_worker:
        _loop_worker(*args.loop_worker)
    else:
        print(json.dumps(run(messages=args.messages), indent=2))
