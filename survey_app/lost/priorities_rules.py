"""Who to win back first: ABC on revenue, XYZ on the regularity of monthly purchases, and the four win-back
priorities of the ABC × XYZ cells (pure Python: no Flask, no database).

**ABC**: customers sorted by their revenue of the last twelve months, largest first; while the cumulative share of
the total (the customer included) is at most 80 % they are A, at most 95 % B, the rest C. The shares are compared in
exact arithmetic, so a customer who brings the total to exactly 80 % is still A. The largest customer is always A
(one customer bringing most of the revenue is not a C), and a customer without revenue is always C.

**XYZ**: the coefficient of variation (population standard deviation / mean) of the customer's twelve monthly sums,
months without a purchase counted as 0: at most :data:`X_MAX` → X, at most :data:`Y_MAX` → Y, above → Z; no revenue →
Z. Equal amounts every month give 0 (X), every second month exactly 1.0 (Y), every third month √2 ≈ 1.41 (Z).
"""
from __future__ import annotations

import enum
import math
from collections.abc import Hashable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

#: Cumulative revenue shares that close class A and class B.
A_SHARE = Fraction(80, 100)
B_SHARE = Fraction(95, 100)
#: Default XYZ thresholds on the coefficient of variation of the monthly sums (see the README for the choice).
X_MAX = 0.5
Y_MAX = 1.0
#: Monthly sums per customer: the 365 days up to their end day cut into twelve equal slices.
MONTHS = 12

ABC = ("A", "B", "C")
XYZ = ("X", "Y", "Z")
#: Every ABC × XYZ cell, e.g. "AX", in reading order.
CELLS = tuple(a + x for a in ABC for x in XYZ)


class Priority(enum.IntEnum):
    """The four win-back priorities, as the seed names them."""

    FIRST = 1  #: win back first
    MUST = 2  #: must win back
    IF_POSSIBLE = 3  #: win back if possible
    LET_GO = 4  #: let go


#: Default priority of each cell: value (ABC) and regularity (XYZ) weigh alike, so a priority is a diagonal of the
#: matrix — the valuable and regular first, the small and erratic let go.
DEFAULT_PRIORITIES: dict[str, Priority] = {
    "AX": Priority.FIRST, "AY": Priority.FIRST, "BX": Priority.FIRST,
    "AZ": Priority.MUST, "BY": Priority.MUST, "CX": Priority.MUST,
    "BZ": Priority.IF_POSSIBLE, "CY": Priority.IF_POSSIBLE,
    "CZ": Priority.LET_GO,
}

K = TypeVar("K", bound=Hashable)


def month_slice(days_before_end: int) -> int:
    """Which of the twelve slices (0 = the latest) holds a purchase made ``days_before_end`` (0–364) days before."""
    return days_before_end * MONTHS // 365


def abc_classes(revenues: Mapping[K, Decimal]) -> dict[K, str]:
    """The ABC class of each customer from their revenue (ties keep the mapping's order)."""
    total = sum((max(Decimal(0), r) for r in revenues.values()), Decimal(0))
    ordered = sorted(revenues, key=lambda k: -revenues[k])
    classes: dict[K, str] = {}
    running = Decimal(0)
    for position, key in enumerate(ordered):
        revenue = revenues[key]
        if revenue <= 0 or total <= 0:
            classes[key] = "C"
            continue
        running += revenue
        if running * A_SHARE.denominator <= total * A_SHARE.numerator or position == 0:
            classes[key] = "A"
        elif running * B_SHARE.denominator <= total * B_SHARE.numerator:
            classes[key] = "B"
        else:
            classes[key] = "C"
    return classes


def variation(monthly: Sequence[Decimal]) -> float | None:
    """The coefficient of variation of the monthly sums; None when they add up to nothing."""
    exact = _sums(monthly)
    if exact is None:
        return None
    n, total, squares = exact
    return math.sqrt(n * squares - total * total) / total


def xyz_class(monthly: Sequence[Decimal], x_max: float = X_MAX, y_max: float = Y_MAX) -> str:
    """X, Y or Z from the monthly sums; compared exactly, so a variation of exactly ``x_max`` is X."""
    exact = _sums(monthly)
    if exact is None:
        return "Z"
    n, total, squares = exact
    # With S the sum and Q the sum of squares of n values, cv = √(nQ − S²) / S, so cv ≤ p/q ⇔ q²(nQ − S²) ≤ p²S²:
    # whole numbers only, no rounding at the boundary.
    spread = n * squares - total * total
    for name, limit in (("X", x_max), ("Y", y_max)):
        bound = Fraction(str(limit))
        if bound.denominator ** 2 * spread <= bound.numerator ** 2 * total * total:
            return name
    return "Z"


def _sums(monthly: Sequence[Decimal]) -> tuple[int, int, int] | None:
    """(n, sum, sum of squares) of the values scaled to whole numbers; None for no values or a sum of 0 or less."""
    places = max(0, -min((int(v.as_tuple().exponent) for v in monthly), default=0))
    values = [int(v.scaleb(places)) for v in monthly]
    total = sum(values)
    if not values or total <= 0:
        return None
    return len(values), total, sum(v * v for v in values)


def priority_of(abc: str, xyz: str, mapping: Mapping[str, int] | None = None) -> Priority:
    """The win-back priority of a cell under ``mapping`` (cells it leaves out keep their default)."""
    cell = abc + xyz
    return Priority((mapping or {}).get(cell, DEFAULT_PRIORITIES[cell]))
