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
    assert out["buckets"]["indifference"] == {"count": 2, "share": 0.6667, "interval_95": [0.2077, 0.9385],
                                              "benchmark_share": 0.68}
    assert out["cause_groups"]["competitor"]["benchmark_share"] == 0.14


@pytest.mark.parametrize("count, n, low, high", [
    (0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (10, 10, 0.7225, 1.0), (68, 100, 0.5834, 0.7633),
    (1, 1000, 0.0002, 0.0056),
])
def test_wilson_interval_matches_known_values_and_scipy(count, n, low, high):
    from scipy.stats import binomtest

    from survey_app.reports.stats import wilson_interval

    got = wilson_interval(count, n)
    assert got == pytest.approx((low, high), abs=1e-4)
    reference = binomtest(count, n).proportion_ci(method="wilson")
    assert got == pytest.approx((reference.low, reference.high), abs=1e-9)


def test_wilson_interval_of_nothing_is_empty():
    from survey_app.reports.stats import wilson_interval

    assert wilson_interval(0, 0) == (0.0, 0.0)


def test_chi_square_against_a_known_value():
    from survey_app.reports.stats import compare_with_benchmark

    # Observed 50/20/15/10/5 against 68/14/9/5/4 of 100: chi² = Σ (o-e)²/e.
    data = breakdown({"indifference": 50, "dissatisfaction": 20, "competitor": 15, "relationship": 10,
                      "circumstances": 5}, benchmark(None))
    expected = (18 ** 2 / 68) + (6 ** 2 / 14) + (6 ** 2 / 9) + (5 ** 2 / 5) + (1 ** 2 / 4)
    result = compare_with_benchmark(data)
    assert result.statistic == pytest.approx(expected) and result.degrees_of_freedom == 4
    assert result.differs and result.p_value == pytest.approx(0.00233, abs=1e-5)
    assert [bucket for bucket, _r in result.residuals[:2]] == ["relationship", "indifference"]


def test_answers_like_the_benchmark_do_not_differ():
    from survey_app.reports.stats import compare_with_benchmark

    data = breakdown({"indifference": 68, "dissatisfaction": 14, "competitor": 9, "relationship": 5,
                      "circumstances": 4}, benchmark(None))
    assert not compare_with_benchmark(data).differs


def test_too_few_answers_are_not_compared_and_zero_share_buckets_are_left_out():
    from survey_app.reports.stats import MIN_ANSWERS, compare_with_benchmark

    assert compare_with_benchmark(breakdown({"indifference": MIN_ANSWERS - 1}, benchmark(None))) is None
    result = compare_with_benchmark(breakdown({"indifference": 60, "dissatisfaction": 25, "competitor": 10,
                                               "relationship": 5, "circumstances": 3}, benchmark("68-18-9-5")))
    assert result.degrees_of_freedom == 3 and "circumstances" not in dict(result.residuals)
