"""Run the benchmarks and print one table: benchmark, figure, value."""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
import time

from benchmarks import BENCHMARKS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"which to run (default: all of {', '.join(BENCHMARKS)})")
    parser.add_argument("--quick", action="store_true", help="smaller data sets, for a smoke run")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    rows: list[tuple[str, str, str]] = []
    failed = 0
    for name in args.names or list(BENCHMARKS):
        module = importlib.import_module(BENCHMARKS[name])
        started = time.perf_counter()
        try:
            run = module.run
            figures = run(quick=args.quick) if "quick" in inspect.signature(run).parameters else run()
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others
            failed += 1
            rows.append((name, "error", f"{type(exc).__name__}: {exc}"))
            continue
        for figure, value in figures.items():
            rows.append((name, figure, _format(value)))
        rows.append((name, "wall time (s)", f"{time.perf_counter() - started:.1f}"))
    width = [max(len(r[i]) for r in rows + [("benchmark", "figure", "value")]) for i in range(3)]
    print(f"{'benchmark':<{width[0]}}  {'figure':<{width[1]}}  value")
    print("-" * (sum(width) + 4))
    for name, figure, value in rows:
        print(f"{name:<{width[0]}}  {figure:<{width[1]}}  {value}")
    return 1 if failed else 0


def _format(value) -> str:
    if isinstance(value, bool):  # before int: a goal met is "yes", not "1"
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
