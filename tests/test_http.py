"""relay.http against a real server on 127.0.0.1; a fake clock and sleep stand in for waiting."""

from __future__ import annotations

import gzip
import threading
import time
from email.utils import formatdate

import pytest

from relay.http import FetchError, HttpClient, Response
from relay.http_content import sniff
from relay.http_errors import parse_retry_after, redact_url
from relay.settings import HttpSettings
from tests.httpserver import LocalServer, Reply, unanswered_address

XML = {"Content-Type": "application/xml; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
RSS = b"<?xml version='1.0'?><rss><channel><title>t</title></channel></rss>"
MB = 1024 * 1024


class FakeTime:
    """A monotonic clock that moves only when the client sleeps, so backoff costs nothing."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.overshoot = 0.0  # real sleeps run a little long; a test can say by how much

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds + self.overshoot


def http_settings(**overrides) -> HttpSettings:
    values = {"host_delay": 0.0, "retries": 3, "connect_timeout": 2.0, "read_timeout": 5.0, "request_deadline": 30.0}
    return HttpSettings(**{**values, **overrides})


@pytest.fixture
def server():
    with LocalServer() as running:
        yield running


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_client(fake):
    clients: list[HttpClient] = []

    def make(**overrides) -> HttpClient:
        clients.append(HttpClient(http_settings(**overrides), sleep=fake.sleep, clock=fake.clock))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client) -> HttpClient:
    return make_client()


def fetch_error(call, *args, **kwargs) -> FetchError:
    with pytest.raises(FetchError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_it_returns_the_body_and_validators_of_a_200(server, client):
    server.route("/feed", Reply(200, {**XML, "ETag": '"v1"', "Last-Modified": "Mon, 02 Jun 2025 10:00:00 GMT"}, RSS))
    response = client.get(server.url("/feed"), expect="xml")
    assert (response.status, response.body, response.not_modified) == (200, RSS, False)
    assert (response.etag, response.last_modified) == ('"v1"', "Mon, 02 Jun 2025 10:00:00 GMT")
    assert response.content_type == "application/xml; charset=utf-8"
    assert (response.media_type, response.charset) == ("application/xml", "utf-8")
    assert response.headers["etag"] == '"v1"'


def test_it_round_trips_etag_and_reads_304_as_not_modified(server, client):
    stamp = "Mon, 02 Jun 2025 10:00:00 GMT"
    server.route("/feed", Reply(200, {**XML, "ETag": '"v1"', "Last-Modified": stamp}, RSS), Reply(304))
    first = client.get(server.url("/feed"))
    second = client.get(server.url("/feed"), etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified and second.status == 304 and second.body == b""
    assert (second.etag, second.last_modified) == ('"v1"', stamp)  # kept although the 304 omitted them
    sent = server.requests[1]
    assert (sent.header("If-None-Match"), sent.header("If-Modified-Since")) == ('"v1"', stamp)
    assert server.requests[0].header("If-None-Match") is None


def test_it_returns_the_new_etag_sent_with_a_304(server, client):
    server.route("/feed", Reply(304, {"ETag": '"v2"'}))
    assert client.get(server.url("/feed"), etag='"v1"').etag == '"v2"'


@pytest.mark.parametrize(
    "reply",
    [
        Reply(403, {"cf-mitigated": "challenge", **HTML}, b"<html>challenge</html>"),
        Reply(503, {"cf-mitigated": "challenge", **HTML}, b"<html>challenge</html>"),
        Reply(403, {"Server": "cloudflare", **HTML}, b"<!DOCTYPE html><title>Just a moment...</title>"),
        Reply(403, {"Server": "cloudflare", **HTML}, b"<html><title>Attention Required! | Cloudflare</title>"),
    ],
    ids=["403-header", "503-header", "just-a-moment", "attention-required"],
)
def test_it_backs_off_a_cloudflare_challenge_without_retrying(server, client, fake, reply):
    server.route("/app/query/results", reply)
    error = fetch_error(client.get, server.url("/app/query/results"))
    assert (error.kind, error.retry_after, error.status) == ("cloudflare", 600, reply.status)
    assert server.hits("/app/query/results") == 1 and fake.sleeps == []
    assert server.url("/app/query/results") in str(error) and "Cloudflare" in str(error)


def test_a_plain_403_is_a_retryable_client_error_not_cloudflare(server, client):
    server.route("/x", Reply(403, {"Server": "nginx", **HTML}, b"<html>Forbidden</html>"))
    error = fetch_error(client.get, server.url("/x"))
    assert (error.kind, error.retryable, server.hits("/x")) == ("client", True, 1)


def test_it_honours_retry_after_seconds_on_429(server, client, fake):
    server.route("/search", Reply(429, {"Retry-After": "7"}), Reply(200, XML, RSS))
    assert client.get(server.url("/search")).body == RSS
    assert fake.sleeps == [7.0] and server.hits("/search") == 2


def test_it_honours_retry_after_as_an_http_date_on_503(server, make_client, fake):
    when = formatdate(time.time() + 30, usegmt=True)
    server.route("/search", Reply(503, {"Retry-After": when}), Reply(200, XML, RSS))
    make_client(request_deadline=600).get(server.url("/search"))
    assert len(fake.sleeps) == 1 and 25 <= fake.sleeps[0] <= 31


def test_a_retry_after_beyond_the_deadline_is_not_waited_for(server, make_client, fake):
    server.route("/search", Reply(503, {"Retry-After": "50"}))
    error = fetch_error(make_client(request_deadline=40).get, server.url("/search"))
    assert (error.kind, error.retry_after) == ("server", 50)
    assert server.hits("/search") == 1 and fake.sleeps == []


def test_a_timeout_shortened_by_the_deadline_is_reported_as_the_deadline(server, make_client, fake):
    # The 503 asks for 29.9 s of a 30 s budget; the retry gets the last 0.1 s and runs out.
    server.route("/search", Reply(503, {"Retry-After": "29"}), Reply(200, XML, RSS, delay=30))
    fake.overshoot = 0.9
    error = fetch_error(make_client(request_deadline=30).get, server.url("/search"))
    assert error.kind == "timeout" and "request_deadline" in str(error) and "tried 2 times" in str(error)


def test_a_long_retry_after_goes_back_to_the_runner(server, client, fake):
    server.route("/search", Reply(429, {"Retry-After": "3600"}))
    error = fetch_error(client.get, server.url("/search"))
    assert (error.kind, error.retry_after, error.retryable) == ("rate-limited", 3600, True)
    assert "3,600 seconds" in str(error)
    assert server.hits("/search") == 1 and fake.sleeps == []


def test_it_retries_a_500_then_succeeds(server, client, fake):
    server.route("/feed", Reply(500), Reply(200, XML, RSS))
    assert client.get(server.url("/feed")).body == RSS
    assert server.hits("/feed") == 2 and len(fake.sleeps) == 1 and 0.5 <= fake.sleeps[0] <= 1.0


def test_it_gives_up_on_500_after_settings_retries(server, make_client, fake):
    client = make_client(retries=3)
    server.route("/feed", Reply(500, HTML, b"<html>oops</html>"))
    error = fetch_error(client.get, server.url("/feed"))
    assert (error.kind, error.status, error.retryable) == ("server", 500, True)
    assert server.hits("/feed") == 4
    # exponential backoff with jitter: each wait lies in [step/2, step] for steps 1, 2, 4 s
    assert [step / 2 <= wait <= step for step, wait in zip([1, 2, 4], fake.sleeps, strict=True)] == [True] * 3
    assert "500 Internal Server Error" in str(error) and "tried 4 times" in str(error)


def test_it_retries_a_dropped_connection(server, client, fake):
    server.route("/feed", Reply(drop=True), Reply(200, XML, RSS))
    assert client.get(server.url("/feed")).body == RSS
    assert server.hits("/feed") == 2 and len(fake.sleeps) == 1


def test_a_refused_connection_is_a_connection_error(make_client, fake):
    with LocalServer() as gone:
        url = gone.url("/feed")
    error = fetch_error(make_client(retries=1).get, url)
    assert error.kind == "connection" and error.retryable and url in str(error)


def test_a_connect_timeout_is_a_timeout(make_client):
    client = make_client(connect_timeout=0.2, retries=0)
    with unanswered_address() as base:
        error = fetch_error(client.get, base + "/feed")
    assert error.kind == "timeout" and "did not accept a connection" in str(error)


def test_a_read_timeout_is_a_timeout(server, make_client):
    server.route("/feed", Reply(200, XML, RSS, delay=30))
    error = fetch_error(make_client(read_timeout=0.2, retries=0).get, server.url("/feed"))
    assert error.kind == "timeout" and "went silent" in str(error)


def test_a_read_timeout_is_retried(server, make_client):
    server.route("/feed", Reply(200, XML, RSS, delay=30), Reply(200, XML, RSS))
    assert make_client(read_timeout=0.2, retries=1).get(server.url("/feed")).body == RSS


def test_a_slow_drip_past_the_deadline_is_a_timeout(server, fake):
    # The real clock: the drip would take 20 s, each chunk well inside the read timeout.
    server.route("/feed", Reply(200, XML, b"<rss>" + b"x" * 200, chunk_size=10, drip=0.1))
    with HttpClient(http_settings(request_deadline=0.5), sleep=fake.sleep) as client:
        error = fetch_error(client.get, server.url("/feed"))
    assert error.kind == "timeout" and "request_deadline" in str(error)
    assert server.hits("/feed") == 1  # no time left, so no retry


def test_an_announced_oversized_body_is_refused_unread(server, make_client):
    server.route("/big", Reply(200, XML, b"<" + b"x" * (10 * MB)))
    error = fetch_error(make_client(max_bytes=MB).get, server.url("/big"))
    assert (error.kind, error.retryable) == ("too-large", False)
    assert "1,048,576-byte limit" in str(error)


def test_an_oversized_stream_is_cut_at_the_cap(server, client):
    # No Content-Length, and the server stalls after 2 MB: only a client that stops at the
    # cap (instead of reading on to the end) gets "too-large" rather than a timeout.
    server.route("/big", Reply(200, XML, b"<" + b"x" * (10 * MB), content_length=False, stall_after=2 * MB))
    error = fetch_error(client.get, server.url("/big"), max_bytes=MB)
    assert (error.kind, error.retryable) == ("too-large", False)


def test_the_cap_counts_decompressed_bytes(server, make_client):
    bomb = gzip.compress(b"<" + b"\0" * (10 * MB))
    server.route("/big", Reply(200, {**XML, "Content-Encoding": "gzip"}, bomb))
    assert len(bomb) < MB
    assert fetch_error(make_client(max_bytes=MB).get, server.url("/big")).kind == "too-large"


@pytest.mark.parametrize(
    ("expect", "headers", "body"),
    [
        ("xml", HTML, b"<!DOCTYPE html><html><body>Service unavailable</body></html>"),
        ("xml", XML, b'<?xml version="1.0"?>\n<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml"/>'),
        ("json", HTML, b"\n\n<html><head><title>Error</title></head></html>"),
        ("json", XML, RSS),
        ("html", {"Content-Type": "application/json"}, b'{"error": "maintenance"}'),
    ],
    ids=["html-for-xml", "xhtml-for-xml", "html-for-json", "xml-for-json", "json-for-html"],
)
def test_a_200_with_the_wrong_content_fails(server, client, expect, headers, body):
    server.route("/feed", Reply(200, headers, body))
    error = fetch_error(client.get, server.url("/feed"), expect=expect)
    assert (error.kind, error.status) == ("wrong-content", 200)
    assert server.hits("/feed") == 1 and server.url("/feed") in str(error)


def test_the_body_decides_over_a_mislabelled_content_type(server, client):
    server.route("/feed", Reply(200, HTML, b"\xef\xbb\xbf  " + RSS))
    assert client.get(server.url("/feed"), expect="xml").status == 200


@pytest.mark.parametrize(
    "reply", [Reply(202), Reply(202, XML, b"<x/>"), Reply(200, XML, b" \n")], ids=["202", "202-body", "200-blank"]
)
def test_202_or_an_empty_body_is_a_retryable_empty_fetch(server, client, reply):
    server.route("/search", reply)
    error = fetch_error(client.get, server.url("/search"), expect="xml")
    assert (error.kind, error.retryable, error.status) == ("empty", True, reply.status)


@pytest.mark.parametrize(("status", "retryable"), [(404, False), (410, False), (400, False), (401, False)])
def test_client_errors_are_not_retried(server, client, fake, status, retryable):
    server.route("/gone", Reply(status))
    error = fetch_error(client.get, server.url("/gone"))
    assert (error.kind, error.status, error.retryable) == ("client", status, retryable)
    assert server.hits("/gone") == 1 and fake.sleeps == [] and server.url("/gone") in str(error)


def test_it_waits_host_delay_between_requests_to_one_host(server, make_client, fake):
    client = make_client(host_delay=1.5)
    server.route("/a", Reply(200, XML, RSS))
    client.get(server.url("/a"))
    client.get(server.url("/a"))
    fake.now += 1.0  # time already passed counts towards the pause
    client.get(server.url("/a"))
    assert fake.sleeps == [1.5, 0.5]


def test_it_does_not_delay_requests_to_different_hosts(server, make_client, fake):
    client = make_client(host_delay=1.5)
    server.route("/a", Reply(200, XML, RSS))
    client.get(server.url("/a", host="127.0.0.1"))
    client.get(server.url("/a", host="localhost"))
    assert fake.sleeps == []


def test_it_sends_one_request_at_a_time_to_a_host(server, make_client):
    client = make_client()
    server.route("/slow", Reply(200, XML, RSS, delay=0.1))
    threads = [threading.Thread(target=client.get, args=(server.url("/slow"),)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert server.hits("/slow") == 3 and server.peak_in_flight == 1


def test_default_headers_carry_the_descriptive_user_agent(server, client):
    server.route("/a", Reply(200, XML, RSS))
    client.get(server.url("/a"))
    seen = server.requests[0]
    assert seen.header("User-Agent") == http_settings().user_agent
    assert {name.lower() for name in seen.header_names} == {"host", "accept", "accept-encoding", "connection", "user-agent"}


def test_per_call_headers_reach_the_server(server, client):
    server.route("/a", Reply(200, XML, RSS))
    browser = "Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0"
    client.get(server.url("/a"), headers={"User-Agent": browser, "Referer": "https://hudoc.echr.coe.int/"})
    seen = server.requests[0]
    assert (seen.header("User-Agent"), seen.header("Referer")) == (browser, "https://hudoc.echr.coe.int/")


def test_a_caller_can_send_exactly_user_agent_and_accept(server, client):
    # The UN Digital Library quirk (SOURCES.md 5.4): a curl-like request and nothing else.
    server.route("/search", Reply(200, XML, RSS))
    headers = {"User-Agent": "curl/8.5.0", "Accept": "*/*", "Accept-Encoding": None, "Connection": ""}
    client.get(server.url("/search"), params={"p": "191__a:A/HRC*", "of": "xm"}, headers=headers)
    seen = server.requests[0]
    assert sorted(name.lower() for name in seen.header_names) == ["accept", "host", "user-agent"]
    assert (seen.header("User-Agent"), seen.header("Accept")) == ("curl/8.5.0", "*/*")
    assert seen.query == "p=191__a%3AA%2FHRC%2A&of=xm"


def test_post_sends_json(server, client):
    server.route("/api", Reply(200, {"Content-Type": "application/json"}, b'{"ok": true}'))
    response = client.post(server.url("/api"), json={"q": "NOR"}, expect="json")
    seen = server.requests[0]
    assert response.body == b'{"ok": true}' and seen.method == "POST"
    assert seen.body == b'{"q":"NOR"}' and seen.header("Content-Type") == "application/json"


def test_error_messages_hide_query_secrets(server, make_client):
    server.route("/feed", Reply(500))
    error = fetch_error(make_client(retries=0).get, server.url("/feed"), params={"api_key": "s3cret", "q": "x"})
    assert "s3cret" not in str(error) and server.url("/feed") in str(error) and "api_key=***" in str(error)


def test_a_non_http_address_is_a_permanent_client_error(client):
    error = fetch_error(client.get, "ftp://example.org/feed.xml")
    assert (error.kind, error.retryable) == ("client", False)


def test_fetch_error_rejects_unknown_kinds():
    with pytest.raises(ValueError):
        FetchError("x", kind="gremlins")


def test_redact_url_drops_credentials_and_masks_secret_parameters():
    url = "https://user:pw@example.org/a?token=abc&keyword=norway#frag"
    assert redact_url(url) == "https://example.org/a?token=***&keyword=norway"


@pytest.mark.parametrize(
    ("body", "kind"),
    [(b"  {\"a\": 1}", "json"), (b"[1]", "json"), (b"<?xml version='1.0'?><!-- c --><rss/>", "xml"),
     (b"<!doctype html><p>", "html"), (b"<?xml version='1.0'?>\n<html>", "html"), (b"plain", "text")],
)
def test_sniff(body, kind):
    assert sniff(body) == kind


def test_parse_retry_after_reads_seconds_and_dates():
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(formatdate(0, usegmt=True)) == 0.0  # a date in the past: go now


def test_response_without_content_type():
    assert Response(200, "http://x", {}, b"").content_type == ""


# --- stream_to_file: bodies too large to hold (the UHRI export) ---------------------------------

JSON = {"Content-Type": "application/json"}
BIG_JSON = b"[" + b",".join(b'{"n":%d,"pad":"%s"}' % (i, b"x" * 200) for i in range(100_000)) + b"]"  # ~21 MB


def test_stream_to_file_writes_a_large_body_to_disk_and_returns_no_body(server, make_client, tmp_path):
    server.route("/export.json", Reply(200, {**JSON, "ETag": '"e1"'}, BIG_JSON))
    target = tmp_path / "export.json"
    response = make_client(max_bytes=64 * MB).stream_to_file(server.url("/export.json"), target, expect="json")
    assert response.status == 200 and response.body == b"" and response.etag == '"e1"'
    assert target.read_bytes() == BIG_JSON
    assert [p.name for p in tmp_path.iterdir()] == ["export.json"]  # the temporary file was renamed


def test_stream_to_file_over_the_cap_fails_and_leaves_nothing(server, make_client, tmp_path):
    server.route("/export.json", Reply(200, JSON, BIG_JSON, content_length=False))
    target = tmp_path / "export.json"
    error = fetch_error(make_client(max_bytes=MB).stream_to_file, server.url("/export.json"), target)
    assert (error.kind, error.retryable) == ("too-large", False) and "http.max_bytes" in str(error)
    assert list(tmp_path.iterdir()) == []
    assert server.sent["/export.json"] < len(BIG_JSON)  # stopped reading


def test_stream_to_file_304_keeps_the_old_file(server, client, tmp_path):
    server.route("/export.json", Reply(304))
    target = tmp_path / "export.json"
    target.write_bytes(b"[1]")
    response = client.stream_to_file(server.url("/export.json"), target, etag='"e1"', last_modified="Mon, 01 Jun 2026")
    assert response.not_modified and (response.etag, response.last_modified) == ('"e1"', "Mon, 01 Jun 2026")
    assert server.requests[0].header("If-None-Match") == '"e1"'
    assert server.requests[0].header("If-Modified-Since") == "Mon, 01 Jun 2026"
    assert target.read_bytes() == b"[1]" and [p.name for p in tmp_path.iterdir()] == ["export.json"]


def test_stream_to_file_starts_the_file_again_on_a_retry(server, make_client, tmp_path, fake):
    # The first answer stalls half-way (a read timeout); the retry must not append to its bytes.
    server.route("/export.json", Reply(200, JSON, BIG_JSON, stall_after=len(BIG_JSON) // 2), Reply(200, JSON, BIG_JSON))
    target = tmp_path / "export.json"
    make_client(read_timeout=0.3, retries=1, max_bytes=64 * MB).stream_to_file(server.url("/export.json"), target)
    assert server.hits("/export.json") == 2 and len(fake.sleeps) == 1
    assert target.read_bytes() == BIG_JSON


def test_stream_to_file_checks_the_first_bytes_before_writing(server, client, tmp_path):
    page = b"<!DOCTYPE html><html><body>Maintenance</body></html>" + b" " * 10_000
    server.route("/export.json", Reply(200, {"Content-Type": "application/json"}, page))
    error = fetch_error(client.stream_to_file, server.url("/export.json"), tmp_path / "export.json", expect="json")
    assert error.kind == "wrong-content" and "an HTML page" in str(error)
    assert list(tmp_path.iterdir()) == []


def test_stream_to_file_refuses_an_empty_body(server, client, tmp_path):
    server.route("/export.json", Reply(200, JSON, b""))
    error = fetch_error(client.stream_to_file, server.url("/export.json"), tmp_path / "export.json", expect="json")
    assert error.kind == "empty" and list(tmp_path.iterdir()) == []


def test_stream_to_file_past_the_deadline_is_a_timeout(server, fake, tmp_path):
    # The real clock: the drip would take 20 s, each chunk well inside the read timeout.
    server.route("/export.json", Reply(200, JSON, b"[" + b"1," * 100 + b"1]", chunk_size=10, drip=0.1))
    with HttpClient(http_settings(request_deadline=0.5), sleep=fake.sleep) as client:
        error = fetch_error(client.stream_to_file, server.url("/export.json"), tmp_path / "export.json")
    assert error.kind == "timeout" and "request_deadline" in str(error)
    assert server.hits("/export.json") == 1 and list(tmp_path.iterdir()) == []


# --- run_limit: http.run_deadline for one source run --------------------------------------------

def test_no_request_starts_after_the_run_deadline(server, make_client, fake):
    server.route("/feed", Reply(200, XML, RSS))
    client = make_client(run_deadline=60)
    with client.run_limit(60):
        assert client.get(server.url("/feed")).body == RSS
        fake.now += 61
        error = fetch_error(client.get, server.url("/feed"))
    assert error.kind == "timeout" and "http.run_deadline" in str(error) and "60-second" in str(error)
    assert server.hits("/feed") == 1
    assert client.get(server.url("/feed")).body == RSS  # outside the run, only the request deadline applies


def test_the_run_deadline_shortens_a_request_that_would_outlast_it(server, fake):
    # The real clock: 2 s left in the run, a drip that would take 20 s, a request deadline of 30 s.
    server.route("/feed", Reply(200, XML, b"<rss>" + b"x" * 200, chunk_size=10, drip=0.1))
    with HttpClient(http_settings(request_deadline=30, run_deadline=0.5), sleep=fake.sleep) as client:
        with client.run_limit(0.5):
            error = fetch_error(client.get, server.url("/feed"))
    assert error.kind == "timeout" and "http.run_deadline" in str(error)
