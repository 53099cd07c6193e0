"""Every benchmark runs: each one's --quick mode, through the same runner a person uses.

A benchmark that raises, or a runner that hides the failure, fails here rather than on the day
someone needs the figure (issue 24: `python -m benchmarks digests` had been broken unnoticed).
"""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import BENCHMARKS

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_each_benchmark_runs_quick(name):
    if name == "dashboard_browser":
        if not Path("/usr/bin/chromium").exists():
            pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium): no browser to measure in")
        pytest.importorskip("playwright.sync_api", reason="pip install playwright (no browser download needed)")
    # Never the test database: the delivery benchmark empties the one RELAY_BENCH_DATABASE_URL names.
    env = {k: v for k, v in os.environ.items() if k != "RELAY_BENCH_DATABASE_URL"}
    done = subprocess.run([sys.executable, "-m", "benchmarks", name, "--quick"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = [line.split() for line in done.stdout.splitlines()[2:]]
    figures = [row for row in rows if row and row[0] == name and row[1:3] != ["wall", "time"]]
    assert figures, done.stdout  # a run that measured nothing is broken too
    assert not any(row[1] == "error" for row in rows), done.stdout


@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_each_benchmark_has_a_quick_mode(name):
    # The runner passes --quick only to a run() that takes it; without one a smoke run is a full run.
    module = importlib.import_module(BENCHMARKS[name])
    assert "quick" in inspect.signature(module.run).parameters


def test_runner_exits_non_zero_when_a_benchmark_raises(tmp_path):
    # The digests benchmark of issue 24 raised TypeError; the runner must say so in its exit code.
    broken = tmp_path / "broken_bench.py"
    broken.write_text("def run(quick=False):\n    raise TypeError('broken')\n")
    code = ("import sys, benchmarks, benchmarks.__main__ as m; sys.path.insert(0, sys.argv[1]);"
            " m.BENCHMARKS['broken'] = 'broken_bench'; sys.exit(m.main(['broken', '--quick']))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert "TypeError: broken" in done.stdout


def test_uhri_peak_memory_is_the_childs_own(tmp_path):
    """Each subject's peak is measured in its own child; a big parent must not show in it."""
    from benchmarks import uhri_stream

    export = tmp_path / "export.json"
    uhri_stream.generate(export, 1)
    ballast = bytearray(300 * 1024 * 1024)
    for i in range(0, len(ballast), 4096):  # touch every page, so it is resident
        ballast[i] = 1
    for mode in ("parse", "ijson"):
        figures = uhri_stream._child(mode, export)
        assert 5 < figures["peak_mb"] < 150, figures
    del ballast
