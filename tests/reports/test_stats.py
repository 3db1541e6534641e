"""Breakdown shares (pure)."""
import pytest

from survey_app.reports.stats import breakdown
from survey_app.taxonomy import benchmark


def test_shares_are_of_classified_answers_and_unclassified_is_apart():
    data = breakdown({"indifference": 6, "competitor": 3, "circumstances": 1, "unclassified": 5}, benchmark(None))
    assert data.n == 10
    assert data.unclassified == 5
    assert data.shares["indifference"] == pytest.approx(0.6)
    assert data.shares["dissatisfaction"] == 0
    assert data.group_counts == {"company": 6, "competitor": 3, "customer": 1}
    assert data.group_shares["competitor"] == pytest.approx(0.3)


def test_no_answers_gives_zero_shares_not_an_error():
    data = breakdown({}, benchmark("68-18-9-5"))
    assert data.n == 0 and all(v == 0 for v in data.shares.values())
    assert data.benchmark_shares["dissatisfaction"] == pytest.approx(0.18)


def test_as_dict_names_the_benchmark_and_rounds():
    out = breakdown({"relationship": 1, "indifference": 2}, benchmark(None)).as_dict()
    assert out["benchmark"]["code"] == "68-14-9-5-4"
    assert out["buckets"]["indifference"] == {"count": 2, "share": 0.6667, "benchmark_share": 0.68}
    assert out["cause_groups"]["competitor"]["benchmark_share"] == 0.14
