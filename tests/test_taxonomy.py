"""The taxonomy and benchmark versions (pure)."""
import pytest

from survey_app import taxonomy as t


def test_every_bucket_belongs_to_one_cause_group():
    assert set(t.BUCKET_GROUP) == set(t.BUCKETS)
    assert set(t.BUCKET_GROUP.values()) == set(t.CAUSE_GROUPS)


@pytest.mark.parametrize("bucket, group", [
    ("indifference", "company"), ("dissatisfaction", "company"), ("competitor", "competitor"),
    ("relationship", "competitor"), ("circumstances", "customer"), ("unclassified", None), (None, None),
])
def test_cause_group_of_bucket(bucket, group):
    assert t.cause_group(bucket) == group


@pytest.mark.parametrize("code, shares", [
    ("68-14-9-5-4", (0.68, 0.14, 0.09, 0.05, 0.04)),
    ("68-14-9-5-3-1", (0.68, 0.14, 0.09, 0.05, 0.04)),
    ("68-18-9-5", (0.68, 0.18, 0.09, 0.05, 0.0)),
])
def test_benchmark_versions_add_up_per_bucket(code, shares):
    got = t.BENCHMARKS[code].bucket_shares()
    assert [round(got[b], 4) for b in t.BUCKETS] == list(shares)
    assert round(sum(got.values()), 6) == 1.0


def test_default_benchmark_groups_are_82_14_4():
    groups = t.benchmark(None).group_shares()
    assert {k: round(v, 2) for k, v in groups.items()} == {"company": 0.82, "competitor": 0.14, "customer": 0.04}


def test_moved_and_died_are_separate_lines_in_the_six_line_version():
    lines = t.BENCHMARKS["68-14-9-5-3-1"].lines
    assert [(line.label, line.percent) for line in lines if line.bucket == "circumstances"] == [
        ("Moved away", 3), ("Died", 1)]


def test_unknown_benchmark_code_falls_back_to_the_default():
    assert t.benchmark("nope").code == t.DEFAULT_BENCHMARK == "68-14-9-5-4"


def test_citation_says_rule_of_thumb_not_study():
    for version in t.BENCHMARKS.values():
        assert "rule of thumb" in version.citation and "not a study result" in version.citation
