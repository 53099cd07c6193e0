"""Streaming the UHRI export: a synthetic ~400 MB export through feeds.uhri, beside plain ijson.

    python -m benchmarks.uhri_stream --mb 400

Writes the export once to /tmp (kept for later runs), then streams it once per subject, each in
its own child process. Figures: records/s through uhri.parse_file (all countries scanned, Norway
kept), records/s through a bare `ijson.items` pass over the same file (the floor any streaming
parser sits on), their ratio, and each subject's peak RSS, which for Relay must stay under 200 MB.

Peak memory is the child's VmHWM (/proc/self/status): the high-water mark of the address space the
child got at exec, so it is that subject's alone. getrusage's ru_maxrss is not: Linux carries it
over fork and exec, so every child reported the parent's peak (the runner's, 2.4 GB after the
other benchmarks) and the two subjects could not be told apart.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
RSS_LIMIT_MB = 200
COUNTRIES = ["Sweden", "Denmark", "Finland", "Iceland", "Peru", "Kenya", "India", "Brazil", "Germany",
             "France", "Chile", "Nepal", "Poland", "Ghana", "Mexico", "Japan", "Italy", "Spain", "Egypt", "Canada"]
BODIES = ["- CRC", "- CEDAW", "- CERD", "- CCPR", "- CESCR", "- CRPD", "- CAT", "UPR"]
THEMES = ["Children: family environment & alternative care", "Right to health", "Racial discrimination",
          "Violence against women", "Right to education", "Conditions of detention", "Right to adequate housing"]
PERSONS = ["Children", "Women & girls", "Minorities/ racial, ethnic, linguistic, religious or descent-based groups",
           "Minorities / racial, ethnic, linguistic, religious or descent-based groups", "Indigenous peoples",
           "Persons with disabilities", "Migrants"]
WORDS = ("the committee recommends that state party ensure children municipalities access services "
         "adequate resources protection measures including data monitoring effective remedies").split()


def generate(path: Path, mb: int, *, seed: int = 7) -> int:
    """Write a JSON array of about `mb` MB shaped like the real export; returns the record count."""
    rng = random.Random(seed)
    target, written, count = mb * MB, 0, 0
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        while written < target:
            country = "Norway" if rng.random() < 0.01 else rng.choice(COUNTRIES)
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 160)))
            record = {
                "AffectedPersons": rng.sample(PERSONS, 2), "AnnotationId": str(uuid.UUID(int=rng.getrandbits(128))),
                "AnnotationType": rng.choice(["- Recommendations", "- Concerns/Observations"]),
                "Body": rng.choice(BODIES), "Countries": [country],
                "DocumentId": str(uuid.UUID(int=rng.getrandbits(128))),
                "PublicationDate": f"20{rng.randint(10, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T00:00:00",
                "PublicationDateOnUhri": f"2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:53:45.{rng.randint(100, 999)}",
                "Regions": ["Western European and other States"],
                "Sdgs": ["16.2 - Protect children from abuse, exploitation, trafficking and violence"],
                "Symbol": f"CRC/C/{country[:3].upper()}/CO/{rng.randint(2, 9)}",
                "Text": f"{rng.randint(1, 80)}.<p>{text.capitalize()}.</p>", "Themes": rng.sample(THEMES, 3),
                "UprCycle": None, "UprPositions": [], "UprRecommendingCountry": [], "UprRecommendingRegions": [],
                "UprSession": [],
            }
            chunk = ("" if count == 0 else ",\n") + json.dumps(record, ensure_ascii=False)
            out.write(chunk)
            written += len(chunk.encode())
            count += 1
        out.write("\n]\n")
    return count


def run(mb: int = 400, *, quick: bool = False) -> dict:
    """Figures for the benchmark runner; --quick streams 8 MB instead of `mb` (a smoke run)."""
    mb = 8 if quick else mb
    path = Path(tempfile.gettempdir()) / f"relay-uhri-synthetic-{mb}mb.json"
    count_file = path.with_suffix(".count")
    if not (path.exists() and count_file.exists()):
        count_file.write_text(str(generate(path, mb)))
    total = int(count_file.read_text())
    ours, floor = _child("parse", path), _child("ijson", path)
    return {
        "export size (MB)": round(path.stat().st_size / MB),
        "records in export": total,
        "Norway records kept": ours["kept"],
        "records/s, uhri.parse_file": total / ours["seconds"],
        "records/s, bare ijson.items": total / floor["seconds"],
        "time ratio vs bare ijson": ours["seconds"] / floor["seconds"],
        "peak RSS (MB), uhri.parse_file": ours["peak_mb"],
        "peak RSS (MB), bare ijson.items": floor["peak_mb"],
        f"peak RSS under {RSS_LIMIT_MB} MB": ours["peak_mb"] < RSS_LIMIT_MB,
    }


def _child(mode: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "benchmarks.uhri_stream", "--child", mode, str(path)],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _measure(mode: str, path: Path) -> dict:
    """Run in the child: one streaming pass, then this process's own peak memory."""
    import ijson

    from feeds import uhri
    from feeds.records import SourceConfig

    started = time.perf_counter()
    if mode == "parse":
        kept = len(uhri.parse_file(path, source=SourceConfig(key="uhri", kind="uhri")).records)
    else:
        with path.open("rb") as stream:
            kept = sum(1 for _ in ijson.items(stream, "item", use_float=True))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "kept": kept, "peak_mb": round(peak_rss_mb(), 1)}


def peak_rss_mb() -> float:
    """This process's own peak resident memory since exec (VmHWM), in MB."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    # Elsewhere ru_maxrss is the best there is (macOS reports bytes, Linux KiB).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MB if sys.platform == "darwin" else peak / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.uhri_stream", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=400, help="size of the synthetic export (default 400)")
    parser.add_argument("--quick", action="store_true", help="stream an 8 MB export (a smoke run)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_measure(args.child[0], Path(args.child[1]))))
        return 0
    figures = run(args.mb, quick=args.quick)
    for name, value in figures.items():
        print(f"{name:<36} {value:,.1f}" if isinstance(value, float) else f"{name:<36} {value}")
    return 0 if figures[f"peak RSS under {RSS_LIMIT_MB} MB"] else 1


if __name__ == "__main__":
    sys.exit(main())
