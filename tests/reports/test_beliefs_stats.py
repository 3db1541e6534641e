"""The three-way comparison of staff beliefs, loyal customers' fears and departed customers' causes (pure)."""
import pytest

from survey_app.reports.stats import MIN_STAFF_ANSWERS, compare_beliefs
from survey_app.taxonomy import BUCKETS, CAUSE_GROUPS, benchmark

STAFF = {"indifference": 2, "dissatisfaction": 3, "competitor": 6, "circumstances": 1, "unclassified": 4}
LOYALTY = {"indifference": 12, "dissatisfaction": 12, "competitor": 8, "relationship": 4}
EXIT = {"indifference": 20, "dissatisfaction": 8, "competitor": 6, "relationship": 3, "circumstances": 3}


def test_three_groups_are_tested_for_homogeneity_by_bucket_and_cause_group():
    from scipy.stats import chi2_contingency

    result = compare_beliefs(STAFF, LOYALTY, EXIT, benchmark(None))
    assert result.tested == ("staff", "loyalty", "exit")
    table = [[counts.get(b, 0) for b in BUCKETS] for counts in (STAFF, LOYALTY, EXIT)]
    assert result.p_value == pytest.approx(chi2_contingency(table).pvalue, rel=1e-12)
    assert result.p_value == pytest.approx(0.0935343, abs=1e-6)
    assert result.group_p_value == pytest.approx(0.1727779, abs=1e-6)  # company/competitor/customer: 5/6/1 …
    assert result.staff.n == 12 and result.staff.unclassified == 4  # unclassified answers are not shares


def test_largest_misperception_is_the_bucket_farthest_from_departed_customers():
    result = compare_beliefs(STAFF, LOYALTY, EXIT, benchmark(None))
    # competitor: staff 50 % against 15 % (35 points); indifference: 16.7 % against 50 % (33.3 points).
    found = result.misperception
    assert found is not None and found.bucket == "competitor" and found.overestimated
    assert (found.staff_share, found.exit_share) == (pytest.approx(0.5), pytest.approx(0.15))

    under = compare_beliefs({"indifference": 2, "competitor": 8}, {}, EXIT, benchmark(None)).misperception
    assert under is not None and under.bucket == "competitor" and under.staff_share == pytest.approx(0.8)
    staff_low = compare_beliefs({"indifference": 1, "competitor": 6, "relationship": 3}, {},
                                {"indifference": 20, "competitor": 6, "relationship": 4}, benchmark(None)).misperception
    assert staff_low is not None and staff_low.bucket == "indifference" and not staff_low.overestimated


@pytest.mark.parametrize("staff, exit_counts", [
    ({"competitor": MIN_STAFF_ANSWERS - 1}, EXIT),  # too few staff answers
    ({"competitor": 12}, {"competitor": 29}),  # too few departed customers
    ({"competitor": 9, "unclassified": 30}, EXIT),  # unclassified staff answers do not count
    ({"indifference": 10, "competitor": 20}, {"indifference": 10, "competitor": 20}),  # no difference at all
])
def test_no_misperception_when_too_few_answers_or_none(staff, exit_counts):
    assert compare_beliefs(staff, {}, exit_counts, benchmark(None)).misperception is None


def test_groups_with_too_few_answers_are_left_out_of_the_test():
    result = compare_beliefs(STAFF, {"competitor": 29}, EXIT, benchmark(None))
    assert result.tested == ("staff", "exit") and result.shown
    assert not result.enough("loyalty")
    from scipy.stats import chi2_contingency

    reference = chi2_contingency([[STAFF.get(b, 0) for b in BUCKETS], [EXIT[b] for b in BUCKETS]])
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-12)

    alone = compare_beliefs(STAFF, {}, {"competitor": 5}, benchmark(None))
    assert alone.tested == () and alone.p_value is None and alone.group_p_value is None and not alone.shown
    few_staff = compare_beliefs({"competitor": 3}, LOYALTY, EXIT, benchmark(None))
    assert not few_staff.shown and few_staff.tested == ("loyalty", "exit")


def test_as_dict_gives_three_shares_with_intervals_per_bucket_and_cause_group():
    out = compare_beliefs(STAFF, LOYALTY, EXIT, benchmark(None)).as_dict()
    assert set(out["buckets"]) == set(BUCKETS) and set(out["cause_groups"]) == set(CAUSE_GROUPS)
    assert out["buckets"]["competitor"]["staff"] == {"count": 6, "share": 0.5, "interval_95": [0.2538, 0.7462]}
    assert out["buckets"]["competitor"]["exit"]["share"] == 0.15
    assert out["cause_groups"]["company"]["loyalty"]["count"] == 24
    assert out["groups"]["staff"] == {"n": 12, "unclassified": 4, "pending": 0, "enough": True}
    assert out["misperception"] == {"bucket": "competitor", "staff_share": 0.5, "exit_share": 0.15,
                                    "direction": "over"}
    assert out["tested"] == ["staff", "loyalty", "exit"] and out["p_value"] == pytest.approx(0.093534, abs=1e-6)
