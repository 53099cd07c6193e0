"""Fixed texts in bokmål, nynorsk, English and Swedish.

Catalogues live in relay/locales/<domain>.<lang>.toml (domain: web, email, …), flat dotted keys.
A missing key falls back to bokmål and then to the key itself, and `missing_keys()` lets a test
demand that every text exists in every language.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from functools import cache
from pathlib import Path

LANGUAGES = ("nb", "nn", "en", "sv")
LOCALES = Path(__file__).parent / "locales"


def _flatten(prefix: str, tree: dict, out: dict[str, str]) -> None:
    for key, value in tree.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(name, value, out)
        else:
            out[name] = str(value)


@cache
def catalogue(language: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    for path in sorted(LOCALES.glob(f"*.{language}.toml")):
        domain = path.name.split(".")[0]
        with path.open("rb") as handle:
            _flatten(domain, tomllib.load(handle), texts)
    return texts


def translator(language: str) -> Callable[..., str]:
    language = language if language in LANGUAGES else "nb"
    own, fallback = catalogue(language), catalogue("nb")

    def t(key: str, **values) -> str:
        text = own.get(key) or fallback.get(key) or key
        return text.format(**values) if values else text

    return t


def missing_keys(domain: str | None = None) -> dict[str, set[str]]:
    """Keys present in some language but not in another, per language."""
    every = set().union(*(catalogue(lang).keys() for lang in LANGUAGES))
    if domain:
        every = {k for k in every if k.startswith(domain + ".")}
    return {lang: every - catalogue(lang).keys() for lang in LANGUAGES if every - catalogue(lang).keys()}
