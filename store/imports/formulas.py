"""Cells a spreadsheet would run as formulas (OWASP "CSV injection").

CSV export writes a cell starting with one of FORMULA_START with a leading
apostrophe, and so a cell that already starts with apostrophes followed by one of
these; CSV import takes one apostrophe off exactly those cells. Every value
survives export -> import ("-5%" is written '-5% and read back as -5%); other
apostrophes stay."""

from __future__ import annotations

FORMULA_START = frozenset("=+-@\t\r")


def _formula_like(v: str) -> bool:
    rest = v.lstrip("'")
    return bool(rest) and rest[0] in FORMULA_START


def escape_cell(v: str) -> str:
    return "'" + v if _formula_like(v) else v


def unescape_cell(v: str) -> str:
    return v[1:] if v.startswith("'") and _formula_like(v) else v
