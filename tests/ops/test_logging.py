"""One JSON object per line with stable event names and ids; addresses masked; text for humans."""

from __future__ import annotations

import io
import json
import logging

import pytest

from relay.ops.logging import configure_logging, mask


@pytest.fixture
def capture(settings):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()

    def start(json_lines: bool):
        configure_logging(settings, json=json_lines, stream=stream)
        return stream

    yield start
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_it_writes_one_json_object_per_line_with_the_ids(capture):
    stream = capture(True)
    log = logging.getLogger("relay.delivery")
    log.info("message sent", extra={"message_id": 41, "alert_id": 7, "to": "kari.nordmann@voss.kommune.no", "queue_id": "X1"})
    log.warning("source failed", extra={"source": "hudoc-echr", "error": "HTTP 503"})
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["event"] for line in lines] == ["message sent", "source failed"]
    assert lines[0]["message_id"] == 41 and lines[0]["alert_id"] == 7 and lines[0]["queue_id"] == "X1"
    assert lines[0]["to"] == "k***@voss.kommune.no"
    assert lines[0]["level"] == "info" and lines[0]["logger"] == "relay.delivery" and lines[0]["ts"].endswith("+00:00")
    assert lines[1]["source"] == "hudoc-echr"


def test_addresses_in_the_message_and_in_exceptions_are_masked_and_secrets_dropped(capture):
    stream = capture(True)
    log = logging.getLogger("relay.test")
    try:
        raise ValueError("refused: per@bergen.kommune.no")
    except ValueError:
        log.exception("send failed for %s", "ola@voss.kommune.no", extra={"token": "abc", "mime": b"x"})
    line = json.loads(stream.getvalue())
    assert line["event"] == "send failed for o***@voss.kommune.no"
    assert "per@" not in line["exception"] and "p***@bergen.kommune.no" in line["exception"]
    assert line["token"] == "[dropped]" and line["mime"] == "[dropped]"


def test_text_lines_read_like_a_sentence_with_key_values(capture):
    stream = capture(False)
    logging.getLogger("relay.collect").info("source collected", extra={"source": "undl", "found": 3})
    assert stream.getvalue().rstrip().endswith("INFO relay.collect: source collected source=undl found=3")


def test_mask_keeps_the_first_letter_and_the_domain():
    assert mask("k@x.no and kari@kommune.no") == "k***@x.no and k***@kommune.no"
    assert mask({"to": ["a.b@c.no"]}) == {"to": ["a***@c.no"]}
