"""No log call passes an `extra` field that logging reserves: such a call raises KeyError, but only
when the level is enabled — so it hides in tests and breaks in production (it did: "message")."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _extra_keys(tree: ast.AST):
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg == "extra" and isinstance(keyword.value, ast.Dict):
                for key in keyword.value.keys:
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        yield node.lineno, key.value


def test_no_log_call_uses_a_reserved_field_name():
    found = []
    files = [p for folder in ("relay", "feeds") for p in (ROOT / folder).rglob("*.py")]
    assert len(files) > 50
    for path in files:
        for line, key in _extra_keys(ast.parse(path.read_text(encoding="utf-8"))):
            if key in RESERVED:
                found.append(f"{path.relative_to(ROOT)}:{line} extra[{key!r}]")
    assert found == []
