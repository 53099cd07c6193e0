"""Collectors: parse + normalise + store, per format, beside a raw parse of the same bytes.

    python -m benchmarks.collectors [--quick]

For each format the same payload goes through the collector's parse() (normalised Records) and
save_record() into a fresh SQLite database, and through a bare lxml / json parse that only walks
the items. Figures per format: items/s through the collector without and with storing, items/s
of the raw parse, and their ratios (the issue's goal: ≥ 0.3 for parse + normalise + store).
Payloads are the real captures in ../shared/samples where present, else the test fixtures,
repeated to a few thousand items. Tagging is not included: benchmarks/tagging.py measures it.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from feeds import collector
from feeds.records import SourceConfig
from relay import migrate
from relay.db import make_engine, transaction
from relay.models import Source
from relay.store.items import save_record

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT.parent / "shared" / "samples"
FIXTURES = ROOT / "tests" / "fixtures"
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _first(*paths: Path) -> Path:
    return next(p for p in paths if p.exists())


def _hudoc_json(target: int) -> bytes:
    sample = SAMPLES / "labelled" / "hudoc_raw_metadata_sample1000.jsonl"
    if sample.exists():
        rows = [json.loads(line) for line in sample.read_text(encoding="utf-8").splitlines() if line.strip()]
    else:
        rows = [r["columns"] for r in json.loads((FIXTURES / "hudoc" / "echr_norway.json").read_bytes())["results"]]
    rows = (rows * (target // len(rows) + 1))[:target]
    rows = [{**row, "itemid": f"001-{i:06d}", "ecli": f"ECLI:CE:ECHR:2010:{i:06d}"} for i, row in enumerate(rows)]
    return json.dumps({"resultcount": len(rows), "results": [{"columns": r} for r in rows]}).encode()


def _repeat_xml(raw: bytes, tag: bytes, target: int, unique: Callable[[bytes, int], bytes]) -> bytes:
    """The document with its <tag> elements repeated to about `target`, each made unique."""
    items = re.findall(rb"<%s[\s>].*?</%s>" % (tag, tag), raw, re.S)
    start, end = raw.index(items[0]), raw.rindex(items[-1]) + len(items[-1])
    copies = [unique(items[i % len(items)], i) for i in range(max(target, len(items)))]
    return raw[:start] + b"\n".join(copies) + raw[end:]


def _hudoc_rss(target: int) -> bytes:
    raw = _first(SAMPLES / "hudoc" / "rss_echr.xml", FIXTURES / "hudoc" / "rss_echr.xml").read_bytes()
    return _repeat_xml(raw, b"item", target, lambda item, i: re.sub(rb'\["001-[^"]*"\]', b'["001-%d"]' % i, item))


def _undl(target: int) -> bytes:
    raw = _first(SAMPLES / "un-digitallibrary" / "marcxml_A_C.3_78_L_drafts.xml",
                 FIXTURES / "undl" / "norway_treaty_bodies.xml").read_bytes()
    tag = b"ns0:record" if b"<ns0:record" in raw else b"record"
    return _repeat_xml(raw, tag, target, lambda rec, i: re.sub(
        rb'(code="a">)([^<]+)(</(?:ns0:)?subfield>)', lambda m: m[1] + m[2] + b"/B%d" % i + m[3], rec, count=1)
        if b'tag="191"' in rec else rec)


def _rss(target: int) -> bytes:
    raw = (FIXTURES / "rss" / "regjeringen_rss2.xml").read_bytes()
    return _repeat_xml(raw, b"item", target, lambda item, i: re.sub(rb"<guid([^>]*)>[^<]*</guid>",
                                                                   rb"<guid\1>g%d</guid>" % i, item))


def _uhri(target: int) -> bytes:
    records = json.loads(_first(SAMPLES / "uhri" / "export-full-en_one_record.json",
                                FIXTURES / "uhri" / "norway_mixed.json").read_bytes())
    out = [{**records[i % len(records)], "AnnotationId": str(uuid.UUID(int=i)), "Countries": ["Norway"]}
           for i in range(target)]
    return json.dumps(out).encode()


def _raw_xml(tag: str) -> Callable[[bytes], int]:
    def walk(raw: bytes) -> int:
        root = etree.fromstring(raw, XML_PARSER)
        return sum(1 for node in root.iter(f"{{*}}{tag}") for _ in node.iterchildren())
    return walk


def _raw_hudoc(raw: bytes) -> int:
    return sum(len(r["columns"]) for r in json.loads(raw)["results"])


def _raw_uhri(raw: bytes) -> int:
    return sum(len(r) for r in json.loads(raw))


# format → (kind, params, payload builder, raw parse that touches every field)
FORMATS = {
    "hudoc-json": ("hudoc", {"instance": "ECHR"}, _hudoc_json, _raw_hudoc),
    "hudoc-rss": ("hudoc-rss", {"instance": "ECHR"}, _hudoc_rss, _raw_xml("item")),
    "undl-marcxml": ("undl", {"symbols": ["A/C.3/78/L.*"]}, _undl, _raw_xml("record")),
    "uhri-json": ("uhri", {"countries": ["Norway"]}, _uhri, _raw_uhri),
    "rss": ("rss", {"body": "Regjeringen"}, _rss, _raw_xml("item")),
}


def _best(rounds: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(rounds):  # best of n: a busy machine slows one pass, not the minimum
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def _template(folder: Path) -> Path:
    """A migrated, empty database, copied for every round so migrating is not counted."""
    path = folder / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


def _parse_and_store(template: Path, target: Path, module, source: SourceConfig, raw: bytes) -> Callable[[], None]:
    def work() -> None:
        shutil.copyfile(template, target)
        engine = make_engine(f"sqlite:///{target}")
        with transaction(engine) as session:
            row = Source(key=source.key, kind=source.kind, name=source.key, params={})
            session.add(row)
            session.flush()
            for record in module.parse(raw, source=source).records:
                save_record(session=session, record=record, source_id=row.id)
        engine.dispose()
    return work


def run(quick: bool = False) -> dict:
    target, rounds = (500, 1) if quick else (3000, 3)
    figures: dict[str, object] = {"items per payload (about)": target}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        template = _template(folder)
        for name, (kind, params, build, raw_parse) in FORMATS.items():
            module = collector(kind)
            source = SourceConfig(key=f"bench-{kind}", kind=kind, params=params)
            raw = build(target)
            count = len(module.parse(raw, source=source).records)
            t_raw = _best(rounds, lambda raw=raw, raw_parse=raw_parse: raw_parse(raw))
            t_parse = _best(rounds, lambda raw=raw, module=module, source=source: module.parse(raw, source=source))
            t_store = _best(rounds, _parse_and_store(template, folder / f"{name}.db", module, source, raw))
            figures[f"{name}: records"] = count
            figures[f"{name}: raw {'json' if 'json' in name else 'lxml'} items/s"] = count / t_raw
            figures[f"{name}: parse+normalise items/s"] = count / t_parse
            figures[f"{name}: parse+normalise+store items/s"] = count / t_store
            figures[f"{name}: ratio parse / raw"] = t_raw / t_parse
            figures[f"{name}: ratio parse+store / raw (goal ≥ 0.3)"] = t_raw / t_store
    return figures


if __name__ == "__main__":
    for key, value in run(quick="--quick" in sys.argv[1:]).items():
        print(f"{key:52} {value:,.2f}" if isinstance(value, float) else f"{key:52} {value}")
