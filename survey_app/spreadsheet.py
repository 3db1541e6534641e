"""Cells for CSV and XLSX files people open in a spreadsheet (pure Python).

A spreadsheet runs a cell as a formula when its text starts with ``=``, ``+``, ``-`` or ``@`` (after spaces and
invisible characters). In an XLSX file a cell is a cell; a CSV line, though, may be split on another separator
than the one it was written with: Excel in French, Polish or Russian splits on ";", and some readers split inside
quotes. So in CSV every place where a new cell could begin is neutralised, not just the start of the value.
"""
from __future__ import annotations

import csv
import re
from typing import TextIO

#: A text cell starting with one of these could run as a formula in Excel or LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Characters a spreadsheet skips (or a formula could hide behind) before the first visible one.
_INVISIBLE = "".join(map(chr, range(33))) + "\u00a0\u200b\u2060\ufeff"
#: Where a CSV reader may start a new cell inside a value: a list separator other than the comma (which the
#: writer always quotes), a tab, a line break.
_HIDDEN_FORMULA = re.compile(f"([;\t\r\n])(?=[{re.escape(_INVISIBLE)}]*[=+\\-@])")


def _starts_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) or text.lstrip(_INVISIBLE).startswith(FORMULA_STARTS)


def safe_xlsx_cell(value: object) -> object:
    """A workbook cell: text that would run as a formula gets a leading ``'``; other values unchanged."""
    if isinstance(value, str) and _starts_formula(value):
        return "'" + value
    return value


def safe_cell(value: object) -> object:
    """A CSV cell: as ``safe_xlsx_cell``, and a ``'`` after each ";", tab or line break that a formula follows,
    so the value stays inert whichever separator the file is opened with; other values unchanged."""
    value = safe_xlsx_cell(value)
    if isinstance(value, str):
        return _HIDDEN_FORMULA.sub(r"\1'", value)
    return value


def csv_writer(stream: TextIO):
    """A CSV writer that quotes every text cell (numbers stay numbers): a separator inside a text stays inside
    its cell for any reader that honours quotes. Pass the cells through ``safe_cell`` too."""
    return csv.writer(stream, quoting=csv.QUOTE_NONNUMERIC)
