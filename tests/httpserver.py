"""A real HTTP server on 127.0.0.1 for tests: canned replies per path, and a record of what arrived.

    with LocalServer() as server:
        server.route("/feed", Reply(500), Reply(200, {"Content-Type": "application/xml"}, b"<rss/>"))
        client.get(server.url("/feed"))
        assert server.hits("/feed") == 2

Replies for a path are served in order and the last one repeats. A reply can wait before
answering, drip its body slowly, stall part-way, or drop the connection without answering.
Unrouted paths get a 404. Waits end early when the server stops, so no test hangs on it.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0  # seconds before the status line: provokes a read timeout
    drip: float = 0.0  # seconds between body chunks: a slow drip
    chunk_size: int = 65_536
    stall_after: int | None = None  # send this many body bytes, then hold the connection until stop
    drop: bool = False  # close the connection without sending anything
    content_length: bool = True  # False: no Content-Length, the body ends when the connection closes


@dataclass(frozen=True)
class Seen:
    """One request as the server received it; header names keep the case and order sent."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def header_names(self) -> list[str]:
        return [name for name, _ in self.headers]

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


class LocalServer:
    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.sent: dict[str, int] = {}  # body bytes written per path, for "stopped reading" checks
        self.in_flight = 0
        self.peak_in_flight = 0  # most requests being answered at once
        self._routes: dict[str, list[Reply]] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def route(self, path: str, *replies: Reply) -> None:
        with self._lock:
            self._routes[path] = list(replies)

    def hits(self, path: str) -> int:
        return sum(1 for seen in self.requests if seen.path == path)

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _take(self, seen: Seen) -> Reply:
        with self._lock:
            self.requests.append(seen)
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            queue = self._routes.get(seen.path)
            if not queue:
                return Reply(404, {"Content-Type": "text/plain"}, b"not routed")
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _count(self, path: str, size: int) -> None:
        with self._lock:
            self.sent[path] = self.sent.get(path, 0) + size


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # keep-alive connections must not hold up stop()
    owner: LocalServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args) -> None:
        pass  # keep pytest output clean

    def do_GET(self) -> None:
        self._answer()

    do_POST = do_PUT = do_DELETE = do_GET

    def _answer(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        parts = urlsplit(self.path)
        seen = Seen(self.command, parts.path, parts.query, list(self.headers.items()),
                    self.rfile.read(length) if length else b"")
        reply = owner._take(seen)
        try:
            self._reply(reply, owner, seen.path)
        finally:
            owner._done()

    def _reply(self, reply: Reply, owner: LocalServer, path: str) -> None:
        if reply.drop or (reply.delay and owner.stopping.wait(reply.delay)):
            self.close_connection = True
            return
        self.send_response_only(reply.status)
        names = {name.lower() for name in reply.headers}
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if "date" not in names:
            self.send_header("Date", formatdate(usegmt=True))
        bodiless = reply.status in (204, 304) or 100 <= reply.status < 200
        if not reply.content_length:
            self.send_header("Connection", "close")
            self.close_connection = True
        elif not bodiless and "content-length" not in names:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if not bodiless:
            self._send_body(reply, owner, path)

    def _send_body(self, reply: Reply, owner: LocalServer, path: str) -> None:
        body = reply.body if reply.stall_after is None else reply.body[: reply.stall_after]
        try:
            for start in range(0, len(body), reply.chunk_size):
                chunk = body[start : start + reply.chunk_size]
                self.wfile.write(chunk)
                self.wfile.flush()
                owner._count(path, len(chunk))
                if reply.drip and owner.stopping.wait(reply.drip):
                    break
            if reply.stall_after is not None:
                owner.stopping.wait()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client hung up: exactly what the size-cap and deadline tests provoke
        self.close_connection = self.close_connection or reply.stall_after is not None


@contextmanager
def unanswered_address() -> Iterator[str]:
    """A base URL whose port never completes a TCP handshake: a real connect timeout, offline.

    The listener's accept queue is filled and never drained, so Linux drops further SYNs.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            try:
                filler.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            fillers.append(filler)
        yield f"http://127.0.0.1:{port}"
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
