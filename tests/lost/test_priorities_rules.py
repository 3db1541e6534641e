"""ABC on revenue, XYZ on monthly regularity and the win-back priority of each cell, from hand-computed tables."""
from decimal import Decimal

import pytest

from survey_app.lost.priorities_rules import (
    CELLS,
    DEFAULT_PRIORITIES,
    Priority,
    abc_classes,
    month_slice,
    priority_of,
    variation,
    xyz_class,
)


def money(*values: str) -> list[Decimal]:
    return [Decimal(v) for v in values]


@pytest.mark.parametrize(("revenues", "expected"), [
    # cumulative 50 %, exactly 80 %, exactly 95 %, 100 %
    ({"a": "50", "b": "30", "c": "15", "d": "5"}, "AABC"),
    # shares in cents that binary floats add up to 0.8000000000000002: still exactly 80 %, and 95 %
    ({"a": "0.40", "b": "0.30", "c": "0.10", "d": "0.10", "e": "0.05", "f": "0.05"}, "AAABBC"),
    # one cent past 80 % is B; then exactly 95 % is still B
    ({"a": "5000", "b": "3000.01", "c": "1499.99", "d": "500"}, "ABBC"),
    # one cent past 95 % is C
    ({"a": "5000", "b": "3000", "c": "1500.01", "d": "499.99"}, "AACC"),
    # 70 %, 90 %, 100 %: whoever crosses a boundary falls in the next class
    ({"a": "70", "b": "20", "c": "10"}, "ABC"),
    # the largest customer is A even when they alone bring more than 80 %
    ({"a": "96", "b": "4"}, "AC"),
    # no revenue, no class above C
    ({"a": "10", "b": "0"}, "AC"),
])
def test_abc_classes_follow_the_cumulative_share_of_revenue(revenues, expected):
    classes = abc_classes({k: Decimal(v) for k, v in revenues.items()})
    assert "".join(classes[k] for k in revenues) == expected


def test_abc_sorts_by_revenue_whatever_the_order_given():
    assert abc_classes({"small": Decimal(5), "big": Decimal(80), "mid": Decimal(15)}) == \
        {"big": "A", "mid": "B", "small": "C"}


@pytest.mark.parametrize(("monthly", "expected_cv", "expected"), [
    (["100"] * 12, 0.0, "X"),                          # the same every month
    (["150"] * 6 + ["50"] * 6, 0.5, "X"),              # mean 100, deviation 50: exactly the X limit
    (["160"] * 6 + ["40"] * 6, 0.6, "Y"),              # deviation 60
    (["100", "0"] * 6, 1.0, "Y"),                      # every second month: exactly the Y limit
    (["100", "0", "0"] * 4, 2 ** 0.5, "Z"),            # every third month
    (["1200"] + ["0"] * 11, 11 ** 0.5, "Z"),           # once a year
    (["0"] * 12, None, "Z"),                           # nothing bought
])
def test_xyz_class_from_the_coefficient_of_variation(monthly, expected_cv, expected):
    values = money(*monthly)
    cv = variation(values)
    assert (cv is None) if expected_cv is None else cv == pytest.approx(expected_cv)
    assert xyz_class(values) == expected


@pytest.mark.parametrize(("monthly", "expected"), [
    (["110"] * 6 + ["90"] * 6, "X"),    # 0.1 exactly
    (["111"] * 6 + ["89"] * 6, "Y"),    # 0.11
    (["125"] * 6 + ["75"] * 6, "Y"),    # 0.25 exactly
    (["150"] * 6 + ["50"] * 6, "Z"),    # 0.5
])
def test_xyz_thresholds_can_be_the_demand_planning_ones(monthly, expected):
    assert xyz_class(money(*monthly), x_max=0.1, y_max=0.25) == expected


@pytest.mark.parametrize(("cell", "priority"), [
    ("AX", 1), ("AY", 1), ("BX", 1),
    ("AZ", 2), ("BY", 2), ("CX", 2),
    ("BZ", 3), ("CY", 3),
    ("CZ", 4),
])
def test_default_priority_of_each_cell(cell, priority):
    assert priority_of(cell[0], cell[1]) == priority
    assert DEFAULT_PRIORITIES[cell] == priority


def test_a_mapping_changes_only_the_cells_it_names():
    mapping = {"AZ": 1, "CZ": 3}
    assert priority_of("A", "Z", mapping) == Priority.FIRST
    assert priority_of("C", "Z", mapping) == Priority.IF_POSSIBLE
    assert [priority_of(c[0], c[1], mapping) for c in CELLS if c not in mapping] == \
        [DEFAULT_PRIORITIES[c] for c in CELLS if c not in mapping]


@pytest.mark.parametrize(("days", "slice_"), [(0, 0), (30, 0), (31, 1), (182, 5), (183, 6), (334, 10), (335, 11),
                                               (364, 11)])
def test_the_year_before_the_end_day_is_cut_into_twelve_slices(days, slice_):
    assert month_slice(days) == slice_
