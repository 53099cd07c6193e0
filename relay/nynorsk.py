"""A nynorsk draft from bokmål through Apertium (Debian package apertium-nno-nob).

Apertium gives a good draft, not a final text: the governor edits it. When the program is
missing the caller shows a clear message and a manual nynorsk field.
"""

from __future__ import annotations

import shutil
import subprocess


class TranslationUnavailable(Exception):
    pass


def available() -> bool:
    return shutil.which("apertium") is not None


def draft(text: str, *, mode: str = "nob-nno_e", timeout: float = 20.0) -> str:
    """Translate bokmål to nynorsk. e-infinitive (the common form in state administration); -u drops the unknown-word marks."""
    if not text.strip():
        return ""
    if not available():
        raise TranslationUnavailable("Apertium is not installed (Debian package apertium-nno-nob)")
    try:
        done = subprocess.run(
            ["apertium", "-u", mode], input=text, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise TranslationUnavailable("Apertium took too long") from exc
    if done.returncode != 0:
        raise TranslationUnavailable(f"Apertium failed: {done.stderr.strip()[:200]}")
    return done.stdout.strip()
