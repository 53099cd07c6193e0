"""Machine translation between bokmål and nynorsk through Apertium (Debian package apertium-nno-nob).

Apertium gives a good draft, not a final text: the governor edits it. When the program is
missing the caller shows a clear message and a manual field; approval refuses instead of sending
one standard's text to the other's municipalities (relay.alert_texts).
"""

from __future__ import annotations

import re
import shutil
import subprocess


class TranslationUnavailable(Exception):
    pass


def available() -> bool:
    return shutil.which("apertium") is not None


TO_NYNORSK, TO_BOKMAL = "nob-nno_e", "nno-nob"
# Apertium passes "¶3¶" through untouched: several fields go through one run of it (each run costs a
# second or more of start-up), and are split again on these marks.
_MARK = re.compile(r"\s*¶(\d+)¶\s*")


def draft_many(texts: list[str], *, mode: str = TO_NYNORSK) -> list[str]:
    """Translate several texts in one Apertium run; empty texts stay empty."""
    wanted = [(i, t) for i, t in enumerate(texts) if t.strip()]
    out = [""] * len(texts)
    if not wanted:
        return out
    joined = "".join(f"\n\n¶{i}¶\n\n{t.strip()}" for i, t in wanted)
    parts = _MARK.split(draft(joined, mode=mode))
    found = {int(parts[k]): parts[k + 1].strip() for k in range(1, len(parts) - 1, 2)}
    if set(found) != {i for i, _ in wanted}:  # a mark lost in translation: one run per text instead
        found = {i: draft(t, mode=mode) for i, t in wanted}
    for i, text in found.items():
        out[i] = text
    return out


def to_bokmal(text: str) -> str:
    return draft(text, mode=TO_BOKMAL)


def draft(text: str, *, mode: str = TO_NYNORSK, timeout: float = 20.0) -> str:
    """Translate bokmål to nynorsk (or, with mode TO_BOKMAL, back). e-infinitive (the common form in
    state administration); -u drops the unknown-word marks."""
    if not text.strip():
        return ""
    if not available():
        raise TranslationUnavailable("Apertium is not installed (Debian package apertium-nno-nob)")
    try:
        done = subprocess.run(
            # Without a final newline Apertium drops the text's last punctuation ("artikkel 8." → "artikkel 8").
            ["apertium", "-u", mode], input=text.rstrip("\n") + "\n", capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise TranslationUnavailable("Apertium took too long") from exc
    if done.returncode != 0:
        raise TranslationUnavailable(f"Apertium failed: {done.stderr.strip()[:200]}")
    return done.stdout.strip()
