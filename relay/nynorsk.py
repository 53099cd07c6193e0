"""Machine translation between bokmål and nynorsk through Apertium (Debian package apertium-nno-nob).

Apertium gives a good draft, not a final text: the governor edits it. When the program is
missing the caller shows a clear message and a manual field; approval refuses instead of sending
one standard's text to the other's municipalities (relay.alert_texts).
"""

from __future__ import annotations

import shutil
import subprocess


class TranslationUnavailable(Exception):
    pass


def available() -> bool:
    return shutil.which("apertium") is not None


TO_NYNORSK, TO_BOKMAL = "nob-nno_e", "nno-nob"


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
