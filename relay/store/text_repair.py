"""Text that reached Relay wrongly decoded: repaired when the original can be recovered, refused when not.

Two faults are seen in real feeds. A feed that declares UTF-8 but is sent in cp1252 (or the
reverse, a UTF-8 feed declared or guessed as cp1252/Latin-1) turns "FOLGERØ" into "FOLGERÃ˜":
the cp1252 reading of UTF-8 bytes. Encoding such text back to cp1252 and decoding it as UTF-8
gives the original exactly, so it is repaired. Bytes that were not valid in any encoding show up
as U+FFFD replacement characters, lone surrogates (surrogateescape) or control characters; what
they stood for is lost, so the record is refused with the reason rather than stored as garbage.
"""

from __future__ import annotations

import re

# A UTF-8 lead byte read as cp1252/Latin-1 (Â..ô), followed by a continuation byte read the same way.
_CONTINUATION = "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014" \
                "\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
_MOJIBAKE = re.compile(f"[\u00c2-\u00f4][{_CONTINUATION}]")
# One misread character: a lead byte and as many continuation bytes as it announces.
_MISREAD = re.compile(f"[\u00c2-\u00df][{_CONTINUATION}]|[\u00e0-\u00ef][{_CONTINUATION}]{{2}}"
                      f"|[\u00f0-\u00f4][{_CONTINUATION}]{{3}}")
_UNDECODABLE = re.compile("[\ufffd\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class TextProblem(ValueError):
    """The text cannot be stored: what it held is not recoverable."""


def checked_text(name: str, value: str, notes: list[str]) -> str:
    """The text as it may be stored; a note when it was repaired; TextProblem when it cannot be."""
    if value.isascii() and not _UNDECODABLE.search(value):
        return value
    if _MOJIBAKE.search(value):
        repaired = _redecode(value)
        if repaired is None:
            raise TextProblem(f"its {name} is UTF-8 misread as another encoding and cannot be repaired "
                              f"({_sample(value)!r}); quarantined")
        notes.append(f"{name} was UTF-8 read as cp1252; re-decoded")
        value = repaired
    bad = _UNDECODABLE.search(value)
    if bad:
        raise TextProblem(f"its {name} holds bytes that were not valid text (U+{ord(bad.group()):04X} at "
                          f"{bad.start()}: {_sample(value, bad.start())!r}); quarantined")
    return value


def _redecode(value: str) -> str | None:
    """Each misread character back to what its bytes said; None when some were not UTF-8 after all.

    Character by character, so text that is partly right ("FOLGERÃ˜ – Norge", the dash genuine)
    keeps its right part.
    """
    def one(match: re.Match) -> str:
        for codec in ("cp1252", "latin-1"):
            try:
                return match.group().encode(codec).decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
        return match.group()

    repaired = _MISREAD.sub(one, value)
    return None if _MOJIBAKE.search(repaired) else repaired


def _sample(value: str, at: int | None = None) -> str:
    start = max(0, (at if at is not None else (_MOJIBAKE.search(value).start() if _MOJIBAKE.search(value) else 0)) - 20)
    return value[start:start + 40]
