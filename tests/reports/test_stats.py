"""Breakdown shares (pure)."""
from decimal import Decimal

import pytest

from survey_app.reports.stats import breakdown
from survey_app.taxonomy import BUCKETS, benchmark


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


# -- cause groups, exit against loyalty, revenue weights, the reach funnel ---------------------------

@pytest.mark.parametrize("group, low, high", [
    ("company", 0.6269, 0.9049), ("competitor", 0.0951, 0.3731), ("customer", 0.0, 0.1135),
])
def test_group_interval_is_the_wilson_interval_of_the_group_count(group, low, high):
    from survey_app.reports.stats import group_interval, wilson_interval

    # 24 company- (18 + 6), 6 competitor-caused (3 + 3), none customer-caused.
    data = breakdown({"indifference": 18, "dissatisfaction": 6, "competitor": 3, "relationship": 3,
                      "unclassified": 9}, benchmark(None))
    assert group_interval(data, group) == pytest.approx((low, high), abs=1e-4)
    assert group_interval(data, group) == wilson_interval(data.group_counts[group], 30)


def test_group_interval_of_no_answers_is_empty():
    from survey_app.reports.stats import group_interval

    assert group_interval(breakdown({"unclassified": 4}, benchmark(None)), "company") == (0.0, 0.0)


@pytest.mark.parametrize("exit_counts, loyalty_counts, statistic, p_value", [
    # Known values: chi² = Σ (o - e)² / e with e = 15 / 7.5 / 5 / 2.5 in both rows; dof 3.
    ({"indifference": 20, "dissatisfaction": 5, "competitor": 5},
     {"indifference": 10, "dissatisfaction": 10, "competitor": 5, "relationship": 5}, 10.0, 0.018566),
    # Two columns: scipy applies Yates' correction (5.4 instead of 6.67).
    ({"indifference": 20, "competitor": 10}, {"indifference": 10, "competitor": 20}, 5.4, 0.020137),
    ({"indifference": 20, "dissatisfaction": 5, "competitor": 5},
     {"indifference": 10, "dissatisfaction": 10, "competitor": 10}, 6.6667, 0.035674),
])
def test_compare_kinds_matches_scipy_chi2_contingency(exit_counts, loyalty_counts, statistic, p_value):
    from scipy.stats import chi2_contingency

    from survey_app.reports.stats import compare_kinds

    result = compare_kinds({**exit_counts, "unclassified": 7}, loyalty_counts, benchmark(None))
    columns = [b for b in BUCKETS if exit_counts.get(b, 0) + loyalty_counts.get(b, 0)]
    reference = chi2_contingency([[exit_counts.get(b, 0) for b in columns],
                                  [loyalty_counts.get(b, 0) for b in columns]])
    assert reference.statistic == pytest.approx(statistic, abs=1e-4)
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-12)
    assert result.p_value == pytest.approx(p_value, abs=1e-6)
    assert result.enough and result.exit.unclassified == 7 and result.exit.n == 30


def test_compare_kinds_gaps_are_loyalty_minus_exit_shares():
    from survey_app.reports.stats import compare_kinds

    result = compare_kinds({"indifference": 20, "dissatisfaction": 5, "competitor": 5},
                           {"indifference": 10, "dissatisfaction": 10, "competitor": 5, "relationship": 5},
                           benchmark(None))
    assert result.gaps == pytest.approx({"indifference": -1 / 3, "dissatisfaction": 1 / 6, "competitor": 0.0,
                                         "relationship": 1 / 6, "circumstances": 0.0})


@pytest.mark.parametrize("exit_counts, loyalty_counts", [
    ({"indifference": 29}, {"indifference": 30}),  # exit below 30
    ({"indifference": 30}, {"competitor": 29, "unclassified": 50}),  # unclassified answers do not count
    ({}, {}),
    ({"indifference": 30}, {"indifference": 40}),  # enough, but one column only: nothing to test
])
def test_compare_kinds_gives_no_p_value_below_30_answers_each_or_with_one_column(exit_counts, loyalty_counts):
    from survey_app.reports.stats import compare_kinds

    result = compare_kinds(exit_counts, loyalty_counts, benchmark(None))
    assert result.p_value is None
    assert set(result.gaps) == set(BUCKETS)


def test_weighted_shares_per_bucket_and_group_with_unclassified_apart():
    from survey_app.reports.stats import weighted

    data = weighted({"indifference": Decimal("600.50"), "dissatisfaction": 200, "competitor": Decimal("199.50"),
                     "unclassified": 1000},
                    {"indifference": 1, "competitor": 0, "circumstances": 2, "unclassified": 5})
    assert data.total == pytest.approx(1000.0)
    assert data.amounts == pytest.approx({"indifference": 600.5, "dissatisfaction": 200.0, "competitor": 199.5,
                                          "relationship": 0.0, "circumstances": 0.0})
    assert data.shares["indifference"] == pytest.approx(0.6005)
    assert data.group_amounts == pytest.approx({"company": 800.5, "competitor": 199.5, "customer": 0.0})
    assert data.group_shares == pytest.approx({"company": 0.8005, "competitor": 0.1995, "customer": 0.0})
    assert data.unclassified == 1000.0 and data.unknown == 3  # unknown revenue of classified answers only
    out = data.as_dict()
    assert out["buckets"]["indifference"] == {"revenue": 600.5, "share": 0.6005}
    assert (out["total"], out["unclassified"], out["answers_without_revenue"]) == (1000.0, 1000.0, 3)


def test_weighted_without_revenue_gives_zero_shares():
    from survey_app.reports.stats import weighted

    data = weighted({"indifference": None, "unclassified": 10}, {})
    assert data.total == 0 and all(v == 0 for v in data.shares.values())
    assert all(v == 0 for v in data.group_shares.values()) and data.unknown == 0


@pytest.mark.parametrize("funnel, steps, rate", [
    ((10, 8, 5, 4, 3), [("invited", 10, 1.0), ("sent", 8, 0.8), ("opened", 5, 0.5), ("answered", 4, 0.4),
                        ("unreachable", 3, 0.3)], 0.5),
    ((0, 0, 0, 0, 2), [("invited", 0, 0.0), ("sent", 0, 0.0), ("opened", 0, 0.0), ("answered", 0, 0.0),
                       ("unreachable", 2, 0.0)], 0.0),
    ((4, 0, 0, 0, 0), [("invited", 4, 1.0), ("sent", 0, 0.0), ("opened", 0, 0.0), ("answered", 0, 0.0),
                       ("unreachable", 0, 0.0)], 0.0),
])
def test_funnel_steps_in_order_with_shares_of_invited(funnel, steps, rate):
    from survey_app.reports.stats import Funnel

    result = Funnel(*funnel)
    assert result.steps() == steps
    assert [name for name, _count, _share in result.steps()] == ["invited", "sent", "opened", "answered",
                                                                  "unreachable"]
    assert result.response_rate == pytest.approx(rate)
