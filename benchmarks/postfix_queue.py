"""Postfix's own durable queue as the delivery benchmark's reference: smtp-source into a local
Postfix whose relayhost is the sink, timed until the last message has been relayed.

Relay commits every message, attempt and outcome before and after the wire; Postfix writes and
fsyncs a queue file per message before its 250 and removes it once relayed. Both are durable, on
the same machine, into the same sink: this is the comparison issue 24 asks to keep (Relay's rate
to Postfix's), where smtp-source into smtp-sink alone measures only the wire.

A throwaway instance: its own config, queue and data folders in a temporary directory, listening
on 127.0.0.1 only, started and stopped here (`postfix -c DIR start|stop`). Needs the postfix
package and root (Postfix's master runs its daemons as the `postfix` user); otherwise the figure
is skipped with the reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"
SERVICES = """\
{listen} inet n - n - - smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
"""


def unavailable() -> str | None:
    """Why the Postfix reference cannot run here, or None when it can."""
    if not Path(POSTFIX).exists():
        return "postfix is not installed (Debian package postfix)"
    if os.geteuid() != 0:
        return "starting a Postfix instance needs root (its master runs the daemons as user postfix)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def instance(relay_to: int, concurrency: int):
    """A Postfix listening on a free 127.0.0.1 port, relaying everything to 127.0.0.1:relay_to.
    Yields (port, folder)."""
    root = Path(tempfile.mkdtemp(prefix="relay-bench-postfix-"))
    root.chmod(0o755)  # the postfix user must reach the queue below it
    conf, queue, data = root / "conf", root / "queue", root / "data"
    for folder in (conf, queue, data):
        folder.mkdir()
    shutil.chown(data, "postfix", "postfix")
    port = _free_port()
    (conf / "main.cf").write_text(
        f"compatibility_level = 3.6\nqueue_directory = {queue}\ndata_directory = {data}\n"
        f"mail_owner = postfix\nsetgid_group = postdrop\nmyhostname = relay-bench.localdomain\n"
        f"mydestination =\ninet_interfaces = 127.0.0.1\ninet_protocols = ipv4\nmynetworks = 127.0.0.0/8\n"
        f"relayhost = [127.0.0.1]:{relay_to}\nsmtpd_relay_restrictions = permit_mynetworks, reject\n"
        f"smtp_dns_support_level = disabled\nalias_maps =\nalias_database =\n"
        f"maillog_file_prefixes = {root}\nmaillog_file = {data / 'maillog'}\n"
        f"default_destination_concurrency_limit = {concurrency}\n")
    (conf / "master.cf").write_text(SERVICES.format(listen=f"127.0.0.1:{port}"))
    try:
        subprocess.run([POSTFIX, "-c", str(conf), "start"], check=True, capture_output=True, timeout=60)
        _wait_listening(port)
        yield port, root
    finally:
        subprocess.run([POSTFIX, "-c", str(conf), "stop"], capture_output=True, timeout=60)
        time.sleep(0.5)
        shutil.rmtree(root, ignore_errors=True)


def _wait_listening(port: int, seconds: float = 20) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"the Postfix instance did not listen on 127.0.0.1:{port}")


def _relayed(root: Path) -> int:
    log = root / "data" / "maillog"
    return log.read_text(errors="replace").count("status=sent") if log.exists() else 0


def measure(n: int, mean_bytes: int, sink_port: int, concurrency: int, source: str) -> dict:
    """smtp-source → Postfix → the sink: seconds until Postfix has accepted all n (each queued
    durably), and until it has relayed all n."""
    with instance(sink_port, concurrency) as (port, root):
        started = time.perf_counter()
        subprocess.run([source, "-d", "-s", str(concurrency), "-m", str(n), "-l", str(mean_bytes),
                        "-f", "bounces@relay.test", "-t", "postmottak@k0001.kommune.test", "-M", "relay.test",
                        f"127.0.0.1:{port}"], check=True, timeout=600)
        accepted = time.perf_counter() - started
        while _relayed(root) < n and time.perf_counter() - started < 600:
            time.sleep(0.02)
        relayed = time.perf_counter() - started
        if _relayed(root) < n:
            raise RuntimeError(f"Postfix relayed {_relayed(root)} of {n} within 600 s")
    return {"postfix_queue_accept_per_second": round(n / accepted, 1),
            "postfix_queue_relay_per_second": round(n / relayed, 1)}
