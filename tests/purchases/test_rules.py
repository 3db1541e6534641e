"""The lost-customer rule, by hand-computed cases."""
from datetime import date

import pytest

from survey_app.purchases.rules import gaps, lost_since, segment_interval, threshold_days, usual_interval


def test_the_usual_interval_is_the_median_gap_between_purchase_days():
    days = [date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1), date(2026, 7, 1), date(2026, 12, 1)]
    assert gaps(days) == [90, 91, 153]  # two purchases on one day are one visit
    assert usual_interval(days) == 91
    assert usual_interval([date(2026, 1, 1), date(2026, 1, 1)]) is None
    assert usual_interval([]) is None
    assert usual_interval([date(2026, 1, 11), date(2026, 1, 1)]) == 10  # any order
    assert segment_interval([30, 10, 20, 40]) == 25 and segment_interval([]) is None


def test_the_seeds_example_buys_every_three_months_and_nothing_for_four_is_lost():
    last = date(2026, 1, 1)
    assert threshold_days(90) == 120
    assert lost_since(last, 90, as_of=date(2026, 5, 1)) == date(2026, 5, 1)  # 120 days: lost that day
    assert lost_since(last, 90, as_of=date(2026, 4, 30)) is None             # 119 days: not yet


@pytest.mark.parametrize("interval, factor, expected", [
    (91, 4 / 3, 122),   # 121.33 rounded up
    (1, 4 / 3, 2),
    (0.5, 4 / 3, 1),    # never less than a day
    (30, 2.0, 60),      # a segment with its own factor
    (30, 1.0, 30),
])
def test_the_threshold_is_the_interval_times_the_factor_rounded_up(interval, factor, expected):
    assert threshold_days(interval, factor) == expected
