"""Text a spreadsheet must show as text, never run as a formula ("CSV injection").

Report tables and the audit log carry text that came from outside: feed titles, governors' wording,
e-mail addresses. Excel, LibreOffice and Google Sheets read a cell that starts with one of these
characters as a formula (TAB and CR included: some programs strip them and read what follows), so
such text gets a leading apostrophe, which every spreadsheet shows as "this cell is text"."""

from __future__ import annotations

# = + - @ and their full-width forms (an IME can type those; Excel reads them as the ASCII ones).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def starts_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def defuse(text: str) -> str:
    """The text with a leading apostrophe when a spreadsheet would otherwise run it."""
    return "'" + text if starts_like_formula(text) else text
