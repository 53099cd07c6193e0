"""FetchError, and how an unwelcome HTTP answer becomes one.

Every message is one sentence an administrator can act on, naming the URL with its secrets
masked. `kind` and `retry_after` tell the runner how long to leave the source alone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import unquote

import httpx

from relay.settings import HttpSettings

KINDS = frozenset(
    {"cloudflare", "rate-limited", "server", "client", "timeout", "too-large", "connection", "empty", "wrong-content"}
)
CLOUDFLARE_BACKOFF = 600.0  # public HUDOC collectors pause ten minutes after a challenge
_SECRET_NAMES = frozenset(
    {"key", "apikey", "api_key", "api-key", "token", "access_token", "auth", "authorization", "secret",
     "client_secret", "password", "passwd", "pwd", "sig", "signature", "session", "sessionid", "code"}
)
_INTERSTITIALS = (b"just a moment...", b"attention required", b"challenge-platform")


class FetchError(Exception):
    """A fetch that failed; retryable=False marks faults that asking again will not cure."""

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        status: int | None = None,
        retry_after: float | None = None,
        retryable: bool = True,
    ):
        if kind not in KINDS:
            raise ValueError(f"unknown FetchError kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.retry_after = retry_after
        self.retryable = retryable

    def __repr__(self) -> str:
        return f"FetchError({str(self)!r}, kind={self.kind!r}, status={self.status!r})"


def redact_url(url: str | httpx.URL, limit: int = 200) -> str:
    """The URL for a message or a log: no user:password, secret-looking query values masked."""
    try:
        parsed = httpx.URL(str(url))
    except (httpx.InvalidURL, TypeError):
        return str(url)[:limit]
    text = str(parsed.copy_with(username=None, password=None, fragment=None, query=None))
    if parsed.query:
        pairs = parsed.query.decode("ascii", "replace").split("&")
        text += "?" + "&".join(_mask(pair) for pair in pairs)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mask(pair: str) -> str:
    name, sep, _ = pair.partition("=")
    return f"{name}=***" if sep and _is_secret(unquote(name)) else pair


def _is_secret(name: str) -> bool:
    name = name.lower()
    return name in _SECRET_NAMES or name.endswith(("_key", "token", "secret", "password"))


def reason(status: int) -> str:
    phrase = httpx.codes.get_reason_phrase(status)
    return f"{status} {phrase}" if phrase else str(status)


def is_cloudflare_challenge(status: int, headers: dict[str, str], head: bytes) -> bool:
    """A Cloudflare challenge page: retrying at once only earns another one."""
    if status not in (403, 503):
        return False
    if headers.get("cf-mitigated", "").strip().lower() == "challenge":
        return True
    lowered = head[:65_536].lower()
    return "cloudflare" in headers.get("server", "").lower() and any(m in lowered for m in _INTERSTITIALS)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After in seconds, from either form the header may take (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def status_error(url: str, status: int, headers: dict[str, str], head: bytes) -> FetchError:
    """The FetchError for a final status outside 2xx/304; `head` is the start of the body."""
    where = redact_url(url)
    if is_cloudflare_challenge(status, headers, head):
        return FetchError(
            f"{where} answered {reason(status)} with a Cloudflare challenge page, so Relay will leave"
            " the source alone for ten minutes; if this repeats, try a browser-like User-Agent and Referer.",
            kind="cloudflare", status=status, retry_after=CLOUDFLARE_BACKOFF,
        )
    retry_after = parse_retry_after(headers.get("retry-after"))
    if status == 429:
        wait = f" and asks for {retry_after:,.0f} seconds' rest" if retry_after is not None else ""
        return FetchError(
            f"{where} answered {reason(status)}: the source is rate-limiting Relay{wait}.",
            kind="rate-limited", status=status, retry_after=retry_after,
        )
    if status >= 500:
        return FetchError(
            f"{where} answered {reason(status)}, a fault or outage on the source's side.",
            kind="server", status=status, retry_after=retry_after,
        )
    if status in (404, 410):
        return FetchError(
            f"{where} answered {reason(status)}: the address no longer exists, so check or update"
            " the source's URL.",
            kind="client", status=status, retryable=False,
        )
    if status == 403:
        # Not Cloudflare, but often another firewall that relents later: leave it retryable.
        return FetchError(
            f"{where} answered {reason(status)}: the site refused Relay, perhaps blocking its"
            " User-Agent or address.",
            kind="client", status=status,
        )
    if 400 <= status < 500:
        return FetchError(
            f"{where} answered {reason(status)}: the source rejected the request Relay sent,"
            " so the source's configuration needs fixing.",
            kind="client", status=status, retryable=False,
        )
    return FetchError(
        f"{where} answered {reason(status)}, which Relay does not know how to use.",
        kind="server", status=status,
    )


def transport_error(exc: httpx.HTTPError, url, settings: HttpSettings, past_deadline: bool) -> FetchError:
    """The FetchError for a request that got no usable answer at all."""
    where, s = redact_url(url), settings
    detail = str(exc).strip().rstrip(".") or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        if past_deadline:
            return deadline_error(where, s)
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return FetchError(f"{where} did not accept a connection within {s.connect_timeout:g} seconds.",
                              kind="timeout")
        return FetchError(f"{where} went silent for more than {s.read_timeout:g} seconds.", kind="timeout")
    if isinstance(exc, httpx.UnsupportedProtocol):
        return FetchError(f"{where} is not an http:// or https:// address, so the source's URL needs fixing.",
                          kind="client", retryable=False)
    if isinstance(exc, httpx.DecodingError):
        return FetchError(f"{where} sent a body that could not be decompressed ({detail}).", kind="wrong-content")
    if isinstance(exc, httpx.TooManyRedirects):
        return FetchError(f"{where} redirected too many times, probably in a loop.", kind="server")
    return FetchError(f"{where} could not be reached or hung up: {detail}.", kind="connection")


def deadline_error(where: str, settings: HttpSettings) -> FetchError:
    return FetchError(
        f"{where} did not finish within the {settings.request_deadline:g}-second limit for one request"
        " (http.request_deadline).",
        kind="timeout",
    )


def run_deadline_error(where: str, settings: HttpSettings) -> FetchError:
    return FetchError(
        f"{where} was cut off because the source run reached its {settings.run_deadline:g}-second limit"
        " (http.run_deadline); what was stored before that is kept.",
        kind="timeout",
    )


def too_large(where: str, cap: int, what: str) -> FetchError:
    return FetchError(
        f"{where} {what}, more than the {cap:,}-byte limit (http.max_bytes), so Relay stopped reading.",
        kind="too-large", retryable=False,
    )


def gave_up(error: FetchError, attempts: int) -> FetchError:
    """The last error of several attempts, saying so."""
    return FetchError(
        f"{str(error).rstrip('.')}; Relay tried {attempts} times.",
        kind=error.kind, status=error.status, retry_after=error.retry_after, retryable=error.retryable,
    )
