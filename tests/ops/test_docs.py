"""docs/operations.md names every ops setting and every metric Relay exposes (STYLE C11, C15)."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from relay.ops import DEFAULTS
from relay.ops.metrics import render_metrics

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_ops_setting_is_documented():
    text = (DOCS / "operations.md").read_text(encoding="utf-8") + (DOCS / "deployment.md").read_text(encoding="utf-8")
    assert [name for name in DEFAULTS if name not in text] == []


def test_every_metric_is_documented(engine):
    text = (DOCS / "operations.md").read_text(encoding="utf-8")
    names = {family.name for family in text_string_to_metric_families(render_metrics(engine).decode())}
    names = {n for n in names if not n.startswith(("python_", "process_"))}
    undocumented = [n for n in names if n not in text and f"{n}_total" not in text]
    assert names and undocumented == []
