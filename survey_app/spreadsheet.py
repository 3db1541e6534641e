"""Cells for CSV and XLSX files people open in a spreadsheet (pure Python)."""
from __future__ import annotations

#: A text cell starting with one of these could run as a formula in Excel or LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Neutralise text that a spreadsheet would run as a formula (prefix it with ``'``); other values unchanged."""
    if isinstance(value, str) and (value.startswith(FORMULA_STARTS)
                                   or value.lstrip(_CONTROL).startswith(FORMULA_STARTS)):
        return "'" + value
    return value


#: Invisible characters a formula could hide behind.
_CONTROL = "".join(map(chr, range(32))) + "\u200b\ufeff"
