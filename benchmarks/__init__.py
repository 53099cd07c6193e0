"""Relay's benchmark suite: `python -m benchmarks [NAME…] [--quick]` prints a table of figures.

Each benchmark module exposes run(quick: bool = False) -> dict of figure name → value, and measures
its subject beside a reference measured in the same run, so the ratio means something on any machine.
"""

BENCHMARKS = {
    "collectors": "benchmarks.collectors",  # parse + normalise + store vs a raw lxml/json parse
    "uhri": "benchmarks.uhri_stream",  # streaming the UHRI export: records/s and peak memory
    "tagging": "benchmarks.tagging",  # items/s vs plain lower-casing and tokenising
    "digests": "benchmarks.digests",  # plan + render vs rendering alone
    "delivery": "benchmarks.delivery",  # messages/s into an SMTP sink vs Postfix smtp-source
    "urgent": "benchmarks.urgent",  # an urgent alert's approval to the sink: first and last message, in seconds
    "extraction": "benchmarks.extraction",  # document text and structure extraction vs a plain text dump
    "dashboard": "benchmarks.dashboard",  # the national report at 1× and 10× data: growth must stay sublinear
    "dashboard_browser": "benchmarks.dashboard_browser",  # /reports in chromium: HTML KB and ms to the load event
}
