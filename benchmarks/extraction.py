"""Judgment extraction: pages per second through relay.documents, beside a plain get_text.

A "page" is 3,000 characters of output. The reference is BeautifulSoup(html, "lxml").get_text()
on the same documents in the same run, so the ratio holds on any machine; the goal is ≥ 0.5.
The documents are generated in HUDOC's Word-converted shape (style block of hashed classes,
bold-span headings, numbered paragraphs, quotations, operative provisions) at realistic sizes.

    python -m benchmarks.extraction [--quick]
"""

from __future__ import annotations

import sys
import time

from bs4 import BeautifulSoup

from relay.documents.extract import extract

PAGE = 3_000
STYLE = ("<style>.sC{text-align:center}.sB{font-family:Times New Roman;font-weight:bold}"
         ".sN{font-family:Times New Roman;font-size:12pt}.sI{font-style:italic}.sQ{margin-left:28pt}</style>")
SENTENCE = ("The applicant complained that the child welfare services had placed her son in a foster home and "
            "that the domestic courts had restricted her contact rights without a genuine balancing exercise. ")


def judgment(paragraphs: int, seed: int) -> bytes:
    p = ['<p class="sC"><span class="sB">CASE OF A AND OTHERS v. NORWAY</span></p>',
         '<p class="sC"><span class="sB">PROCEDURE</span></p>']
    n = 0
    for part, title in enumerate(("THE FACTS", "THE LAW")):
        p.append(f'<p class="sC"><span class="sB">{title}</span></p>')
        for letter in "ABCD":
            p.append(f'<p class="sL"><span class="sB">{letter}.&#xa0;&#xa0;Heading {seed}-{part}</span></p>')
            for _ in range(paragraphs // 8):
                n += 1
                body = SENTENCE * (2 + (n + seed) % 4)
                p.append(f'<p class="sP"><span class="sN">{n}.&#xa0;&#xa0;</span><span class="sN">{body}</span>'
                         f'<span class="sI">ibid.</span></p>')
                if n % 7 == 0:
                    p.append(f'<p class="sQ"><span class="sN">“{SENTENCE}”</span></p>')
    p.append('<p class="sC"><span class="sB">FOR THESE REASONS, THE COURT, UNANIMOUSLY,</span></p>')
    p += [f'<p class="sP"><span class="sN">{k}.&#xa0;&#xa0;<i>Holds</i> that there has been a violation of Article 8;'
          f"</span></p>" for k in range(1, 5)]
    return f"<html><head>{STYLE}</head><body><div class='WordSection1'>{''.join(p)}</div></body></html>".encode()


def _measure(docs, rounds: int) -> tuple[float, int, float, int]:
    """Both extractors, interleaved document by document so a busy machine slows both alike;
    the best of `rounds` passes per side."""
    best_relay = best_plain = float("inf")
    for _ in range(rounds):
        relay_s = plain_s = 0.0
        relay_chars = plain_chars = 0
        for doc in docs:
            started = time.perf_counter()
            relay_chars += len(extract(doc, doc_type="judgment", max_chars=10**7)[1].text)
            middle = time.perf_counter()
            plain_chars += len(BeautifulSoup(doc, "lxml").get_text())
            plain_s += time.perf_counter() - middle
            relay_s += middle - started
        best_relay, best_plain = min(best_relay, relay_s), min(best_plain, plain_s)
    return best_relay, relay_chars, best_plain, plain_chars


def run(quick: bool = False) -> dict:
    docs = [judgment(80 if quick else 240, seed) for seed in range(6 if quick else 30)]
    extract(docs[0], doc_type="judgment", max_chars=10**7)  # warm both: imports, compiled patterns
    BeautifulSoup(docs[0], "lxml").get_text()
    relay_s, relay_chars, plain_s, plain_chars = _measure(docs, 1 if quick else 3)
    relay_pps, plain_pps = relay_chars / PAGE / relay_s, plain_chars / PAGE / plain_s
    return {
        "documents": len(docs),
        "input MB": round(sum(map(len, docs)) / 1e6, 2),
        "relay pages/s": round(relay_pps, 1),
        "get_text pages/s": round(plain_pps, 1),
        "ratio (goal >= 0.5)": round(relay_pps / plain_pps, 2),
        "relay docs/s": round(len(docs) / relay_s, 1),
        "get_text docs/s": round(len(docs) / plain_s, 1),
    }


if __name__ == "__main__":
    for name, value in run(quick="--quick" in sys.argv).items():
        print(f"{name:22} {value}")
