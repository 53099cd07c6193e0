"""The one HTTP client every collector uses (SOURCES.md section 1).

It owns the limits (timeouts, a per-request deadline, a per-run deadline, a body cap), the
User-Agent, conditional GET, politeness (one request at a time per host, with a pause between)
and retries with backoff. Collectors never sleep or retry themselves: a FetchError that leaves
get(), post() or stream_to_file() is final for this run, and its kind and retry_after tell the
runner how long to wait.
"""

from __future__ import annotations

import logging
import os
import random
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from relay.http_content import EXPECTS, check_body
from relay.http_errors import (
    FetchError,
    deadline_error,
    gave_up,
    redact_url,
    run_deadline_error,
    status_error,
    too_large,
    transport_error,
)
from relay.http_response import Response
from relay.settings import HttpSettings

__all__ = ["FetchError", "HttpClient", "Response"]

log = logging.getLogger(__name__)

MAX_INLINE_WAIT = 60.0  # a longer Retry-After goes back to the runner instead of holding a worker
BACKOFF_BASE, BACKOFF_CAP = 1.0, 60.0
ERROR_BODY_BYTES = 65_536  # enough of an error page to recognise a Cloudflare interstitial
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SNIFF_BYTES = 4096  # what check_body looks at: a streamed body is judged on this much before any is written


@dataclass(frozen=True)
class _Limit:
    """When the current request must end, and whether that is the source run's deadline or its own."""

    at: float
    run: bool = False


class _Host:
    """Politeness for one host: whose turn it is, and when its last request ended."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last_done: float | None = None


class HttpClient:
    """Share one per process: it is thread-safe, and politeness only works if hosts are shared.

    Headers: settings.user_agent by default; per-call headers override it (a source's browser-like
    User-Agent and Referer), and a header given as None or "" is left out altogether.
    """

    def __init__(
        self,
        settings: HttpSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._random = random.Random()
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        self._run = threading.local()  # the run deadline belongs to the thread running that source
        self._client = httpx.Client(
            headers={"User-Agent": settings.user_agent},
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            follow_redirects=True,
            transport=transport,
        )

    def get(
        self,
        url: str,
        *,
        params: dict | None = None,
        headers: dict | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        expect: str | None = None,
        max_bytes: int | None = None,
    ) -> Response:
        """GET url; a 304 is a success with not_modified=True and the validators to keep."""
        request = self._build("GET", url, _conditional(headers, etag, last_modified), params=params)
        cap = self._cap(expect, max_bytes)
        response = self._fetch(request, lambda limit: self._attempt(request, cap, limit, expect))
        return _validators(response, etag, last_modified)

    def post(self, url: str, *, json=None, data=None, headers: dict | None = None,
             expect: str | None = None, max_bytes: int | None = None) -> Response:
        """POST a JSON document, a form (dict) or raw bytes/str as data."""
        raw = isinstance(data, bytes | str)
        request = self._build(
            "POST", url, dict(headers or {}), json=json, data=None if raw else data, content=data if raw else None
        )
        cap = self._cap(expect, max_bytes)
        return self._fetch(request, lambda limit: self._attempt(request, cap, limit, expect))

    def stream_to_file(
        self,
        url: str,
        path: str | os.PathLike,
        *,
        headers: dict | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int | None = None,
        expect: str | None = None,
    ) -> Response:
        """GET url into path as it arrives, for bodies too large to hold (the UHRI export).

        Same limits, politeness and retries as get(). The body goes to a temporary file beside
        path, started afresh on every attempt, and is renamed to path only when complete, so
        path never holds half a download. Its first bytes are checked before any is written (an
        HTML error page is a failure, not a file). A 304 leaves path alone. Response.body is b"".
        """
        target = Path(path)
        request = self._build("GET", url, _conditional(headers, etag, last_modified))
        cap = self._cap(expect, max_bytes)
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        os.close(handle)
        part = Path(name)
        try:
            response = self._fetch(request, lambda limit: self._attempt(request, cap, limit, expect, part))
            if not response.not_modified:
                part.replace(target)
        finally:
            part.unlink(missing_ok=True)
        return _validators(response, etag, last_modified)

    @contextmanager
    def run_limit(self, seconds: float) -> Iterator[None]:
        """Within this block no request outlives `seconds` from now (http.run_deadline for one source).

        A request cut short by it fails with a FetchError that names http.run_deadline.
        """
        previous = getattr(self._run, "end", None)
        self._run.end = self._clock() + seconds
        try:
            yield
        finally:
            self._run.end = previous

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _build(self, method: str, url: str, headers: dict, **kwargs) -> httpx.Request:
        """The request with Relay's headers, the caller's overrides, and what HTTP itself needs.

        httpx always adds Accept, Accept-Encoding, Connection and a User-Agent. A header given
        as None or "" (TOML has no null) is not sent at all: the UN Digital Library answers 202
        unless it sees little more than User-Agent and Accept.
        """
        drop = [name for name, value in headers.items() if value in (None, "") and name.lower() != "host"]
        keep = {name: value for name, value in headers.items() if value not in (None, "")}
        try:
            request = self._client.build_request(method, url, headers=keep, **kwargs)
        except httpx.InvalidURL as exc:
            raise FetchError(
                f"{redact_url(url)} is not a valid address ({exc}), so the source's URL needs fixing.",
                kind="client", retryable=False,
            ) from exc
        for name in drop:
            request.headers.pop(name, None)
        return request

    def _host(self, name: str) -> _Host:
        with self._hosts_lock:
            return self._hosts.setdefault(name.lower(), _Host())

    def _cap(self, expect: str | None, max_bytes: int | None) -> int:
        if expect is not None and expect not in EXPECTS:
            raise ValueError(f"expect must be one of {EXPECTS}, not {expect!r}")
        return max_bytes or self.settings.max_bytes

    def _limit(self) -> _Limit:
        """The request's own deadline, or the run's when that comes first."""
        own = self._clock() + self.settings.request_deadline
        run_end = getattr(self._run, "end", None)
        return _Limit(run_end, run=True) if run_end is not None and run_end < own else _Limit(own)

    def _fetch(self, request: httpx.Request, attempt_once: Callable[[_Limit], Response]) -> Response:
        host = self._host(request.url.host)
        with host.lock:  # held through retries too, so a struggling host is never asked twice at once
            limit = self._limit()
            attempt = 0
            while True:
                attempt += 1
                if host.last_done is not None:
                    gap = self.settings.host_delay - (self._clock() - host.last_done)
                    if gap > 0:
                        self._sleep(gap)
                if limit.run and self._clock() >= limit.at:
                    raise run_deadline_error(redact_url(request.url), self.settings)
                try:
                    return attempt_once(limit)
                except FetchError as error:
                    failure = error
                finally:
                    host.last_done = self._clock()
                wait = self._retry_wait(failure, attempt)
                if wait is None or self._clock() + wait > limit.at:
                    raise failure if attempt == 1 else gave_up(failure, attempt)
                log.info("fetch retry", extra={"url": redact_url(request.url), "attempt": attempt,
                                               "kind": failure.kind, "status": failure.status, "wait": wait})
                self._sleep(wait)

    def _retry_wait(self, error: FetchError, attempt: int) -> float | None:
        """Seconds to wait before asking again, or None when asking again now would not help."""
        if attempt > self.settings.retries:
            return None
        if error.kind in ("connection", "timeout"):
            return self._backoff(attempt)
        if error.kind in ("server", "rate-limited") and error.status in RETRY_STATUSES:
            if error.retry_after is None:
                return self._backoff(attempt)
            return error.retry_after if error.retry_after <= MAX_INLINE_WAIT else None
        return None

    def _backoff(self, attempt: int) -> float:
        # Exponential with "equal jitter": at least half the step, so clients do not retry in step.
        step = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))
        return step / 2 + self._random.uniform(0, step / 2)

    def _attempt(self, request: httpx.Request, cap: int, limit: _Limit, expect: str | None,
                 sink: Path | None = None) -> Response:
        left = max(0.001, limit.at - self._clock())
        s = self.settings
        connect, read = min(s.connect_timeout, left), min(s.read_timeout, left)
        request.extensions["timeout"] = httpx.Timeout(read, connect=connect, pool=connect).as_dict()
        try:
            response = self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc, request, request.url, limit) from exc
        try:
            url, status = str(response.url), response.status_code
            headers = dict(response.headers.items())
            if status == 304:
                return Response(status, url, headers, b"", True, headers.get("etag"), headers.get("last-modified"))
            if not 200 <= status < 300:
                raise status_error(url, status, headers, self._read(response, ERROR_BODY_BYTES, limit, True))
            if sink is None:
                body = self._read(response, cap, limit)
                check_body(url, status, headers.get("content-type", ""), body, expect)
            else:
                body = b""
                self._read_to_file(response, cap, limit, expect, sink)
            return Response(status, url, headers, body, False, headers.get("etag"), headers.get("last-modified"))
        finally:
            response.close()

    def _read(self, response: httpx.Response, cap: int, limit: _Limit, partial: bool = False) -> bytes:
        """The body, streamed and counted; partial=True keeps what arrived instead of failing."""
        return b"".join(self._chunks(response, cap, limit, partial))[:cap]

    def _read_to_file(self, response: httpx.Response, cap: int, limit: _Limit, expect: str | None,
                      sink: Path) -> None:
        """The body into sink, which is emptied first: a retry never appends to a failed attempt."""
        url, status = str(response.url), response.status_code
        content_type = response.headers.get("content-type", "")
        head, checked = b"", False
        with sink.open("wb") as out:
            for chunk in self._chunks(response, cap, limit):
                if checked:
                    out.write(chunk)
                    continue
                head += chunk
                if len(head) >= SNIFF_BYTES:
                    check_body(url, status, content_type, head, expect)
                    out.write(head)
                    checked = True
            if not checked:  # the whole body was shorter than the sniffing window
                check_body(url, status, content_type, head, expect)
                out.write(head)

    def _chunks(self, response: httpx.Response, cap: int, limit: _Limit, partial: bool = False) -> Iterator[bytes]:
        """The body as it arrives, counted against the cap and the deadline.

        partial=True (an error page) stops quietly at the cap or the deadline instead of failing.
        """
        where = redact_url(response.url)
        declared = response.headers.get("content-length", "")
        if not partial and declared.isdigit() and int(declared) > cap:
            raise too_large(where, cap, f"announced {int(declared):,} bytes")
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > cap:
                    if partial:
                        yield chunk
                        return
                    raise too_large(where, cap, "kept sending")
                yield chunk
                if self._clock() > limit.at:
                    if partial:
                        return
                    raise self._deadline_error(where, limit)
        except httpx.HTTPError as exc:
            if partial:
                return
            raise self._transport_error(exc, response.request, response.url, limit) from exc

    def _deadline_error(self, where: str, limit: _Limit) -> FetchError:
        return run_deadline_error(where, self.settings) if limit.run else deadline_error(where, self.settings)

    def _transport_error(self, exc: httpx.HTTPError, request: httpx.Request, url, limit: _Limit) -> FetchError:
        if isinstance(exc, httpx.TimeoutException) and self._past_deadline(exc, request, limit.at):
            return self._deadline_error(redact_url(url), limit)
        return transport_error(exc, url, self.settings, False)

    def _past_deadline(self, exc: httpx.HTTPError, request: httpx.Request, deadline: float) -> bool:
        """Whether a timeout is the request's deadline rather than the server's slowness.

        Near the deadline _attempt shortens the timeouts, so a timeout that fired early is the
        deadline's doing even though the (possibly injected) clock has not reached it.
        """
        if self._clock() >= deadline:
            return True
        used = request.extensions.get("timeout", {})
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return used.get("connect", self.settings.connect_timeout) < self.settings.connect_timeout
        read = used.get("read", self.settings.read_timeout)
        return isinstance(exc, httpx.TimeoutException) and read < self.settings.read_timeout


def _conditional(headers: dict | None, etag: str | None, last_modified: str | None) -> dict:
    extra = dict(headers or {})
    if etag:
        extra["If-None-Match"] = etag
    if last_modified:
        extra["If-Modified-Since"] = last_modified
    return extra


def _validators(response: Response, etag: str | None, last_modified: str | None) -> Response:
    # Servers often leave the validators out of a 304; the ones sent are still current.
    if not response.not_modified:
        return response
    return replace(response, etag=response.etag or etag, last_modified=response.last_modified or last_modified)
