"""The ranges of values accepted from people: ids, page numbers, dates and amounts (pure Python).

Every value typed into a form, a URL or an imported file is read through these functions, so the
database and the reports only ever meet numbers and dates they can store, compare and add up.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

#: Largest id a URL may name: every id column is a 32-bit INTEGER on PostgreSQL.
MAX_ID = 2**31 - 1
#: Largest page number of a list.
MAX_PAGE = 2**31 - 1
#: Dates outside these years are typing mistakes, and some date arithmetic would overflow at the edges.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)
#: Amounts (a customer's annual revenue) are at least 0 and below this; the column holds 12 digits before the point.
MAX_AMOUNT = Decimal("1e12")

_MONEY_SPACES = re.compile(r"[\s\u00a0\u202f']")


def parse_int(text: str, low: int = 1, high: int = MAX_ID) -> int:
    """Read a whole number written with the digits 0–9, from ``low`` to ``high``.

    :raise ValueError: if it is not such a number.
    """
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(high)):
        raise ValueError(text)
    number = int(text)
    if not low <= number <= high:
        raise ValueError(text)
    return number


def parse_day(text: str) -> date:
    """Read a date written YYYY-MM-DD, between 1900 and 2999.

    :raise ValueError: if it is not such a date.
    """
    day = date.fromisoformat(text.strip())
    check_day(day)
    return day


def check_day(day: date) -> date:
    """Return ``day`` if it lies between 1900 and 2999.

    :raise ValueError: if it does not.
    """
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValueError(day.isoformat())
    return day


def parse_amount(text: str) -> Decimal:
    """Read an amount such as "12 345,50", "12345.50" or "12,345.50": finite, at least 0, below 10¹².

    :raise ValueError: if it is not such an amount.
    """
    value = _MONEY_SPACES.sub("", text)
    if "," in value and "." in value:  # the last separator is the decimal one
        thousands = "," if value.rfind(".") > value.rfind(",") else "."
        value = value.replace(thousands, "")
    value = value.replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite() or number < 0 or number >= MAX_AMOUNT:
        raise ValueError(text)
    return number.quantize(Decimal("0.01"))
