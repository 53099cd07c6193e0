"""Structured logs: one JSON object per line in production, readable text on a laptop.

The message of a log call is a stable event name ("source collected", "incident opened"); the facts
go in `extra` (source, item, alert, message, incident …) and become fields of the line, so a log
search can follow one message or one source. E-mail addresses are masked everywhere (k***@kommune.no):
the domain is what an operator needs to see a mail server's trouble, the person is not.
"""

from __future__ import annotations

import json as jsonlib
import logging
import re
import sys
from datetime import UTC, datetime

from relay.ops import ops_setting

EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# Everything a LogRecord carries by itself; what is left over came in through `extra`.
# uvicorn adds color_message (its message with terminal colours) to its own records.
_RECORD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName", "color_message"}
# Never written, whatever a caller passes: tokens and message bodies have no place in a log.
_DROPPED = {"password", "token", "secret", "mime", "raw", "body"}


def mask(value):
    """k***@kommune.no for every address in a string (recursively in lists and dicts)."""
    if isinstance(value, str):
        return EMAIL.sub(r"\1***@\2", value)
    if isinstance(value, dict):
        return {k: mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [mask(v) for v in value]
    return value


def fields_of(record: logging.LogRecord) -> dict:
    """The `extra` fields of a record, masked and made JSON-safe."""
    fields = {}
    for key, value in vars(record).items():
        if key in _RECORD_FIELDS or key.startswith("_"):
            continue
        if key.lower() in _DROPPED:
            fields[key] = "[dropped]"
            continue
        if isinstance(value, datetime):
            value = value.isoformat()
        elif not isinstance(value, str | int | float | bool | list | tuple | dict | type(None)):
            value = str(value)
        fields[key] = mask(value)
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": mask(record.getMessage()),
            **fields_of(record),
        }
        if record.exc_info:
            line["exception"] = mask(self.formatException(record.exc_info))
        return jsonlib.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """2026-03-01 10:00:00 INFO relay.collect: source collected source=hudoc-echr found=3"""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created).strftime("%Y-%m-%d %H:%M:%S")
        facts = " ".join(f"{k}={v}" for k, v in fields_of(record).items())
        text = f"{when} {record.levelname} {record.name}: {mask(record.getMessage())}"
        text = f"{text} {facts}" if facts else text
        if record.exc_info:
            text += "\n" + mask(self.formatException(record.exc_info))
        return text


def configure_logging(settings, json: bool | None = None, stream=None) -> logging.Handler:
    """Install one handler on the root logger (replacing earlier ones); json=None reads ops.log_format.

    uvicorn's own loggers are pointed at the root too, so its lines get the same format; call
    uvicorn.run(..., log_config=None) so that it does not install its own handlers afterwards.
    """
    if json is None:
        json = ops_setting(settings, "log_format") == "json"
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if json else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(str(ops_setting(settings, "log_level")).upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # Per-request access lines repeat what relay_http_request_duration_seconds counts, with client IPs.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    for noisy in ("apscheduler", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
