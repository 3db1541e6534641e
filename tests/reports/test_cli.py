"""``flask reports breakdown``: filters and the revenue weighting, printed as one JSON object."""
from __future__ import annotations

import json

import pytest


def breakdown(runner, *args: str) -> dict:
    result = runner.invoke(args=["reports", "breakdown", *args])
    assert result.exit_code == 0, result.output
    assert len(result.output.strip().splitlines()) == 1  # one JSON object on one line
    return json.loads(result.output)


@pytest.mark.parametrize("args, n, unclassified, responses, shown", [
    ([], 9, 1, 11, {}),
    (["--kind", "loyalty"], 3, 0, 3, {"kind": "loyalty"}),
    (["--kind", "exit"], 6, 1, 8, {"kind": "exit"}),
    (["--since", "2024-03-04", "--until", "2024-03-31"], 1, 1, 2, {"since": "2024-03-04", "until": "2024-03-31"}),
    (["--until", "2023-12-31"], 1, 0, 1, {"until": "2023-12-31"}),
    (["--locale", "fr"], 3, 0, 3, {"locale": "fr"}),
    (["--segment", "SMB"], 4, 1, 6, {"segment": "SMB"}),
    (["--manager", "m1"], 3, 0, 4, {"manager": "m1"}),
    (["--channel", "interview"], 2, 0, 2, {"channel": "interview"}),
    (["--survey", "exit-a", "--survey", "exit-b"], 6, 1, 8, {}),
    (["--survey", "loyal-a", "--channel", "email", "--locale", "en"], 1, 0, 1, {"channel": "email", "locale": "en"}),
])
def test_breakdown_filters(runner, dataset, args, n, unclassified, responses, shown):
    m1 = dataset.m1.id
    args = [str(m1) if a == "m1" else a for a in args]
    data = breakdown(runner, *args)
    assert (data["n"], data["unclassified"], data["responses"]) == (n, unclassified, responses)
    assert data["filter"] == {k: (m1 if v == "m1" else v) for k, v in shown.items()}
    assert data["surveys"] == [a for i, a in enumerate(args) if i and args[i - 1] == "--survey"]
    assert sum(row["count"] for row in data["buckets"].values()) == n
    assert sum(row["count"] for row in data["cause_groups"].values()) == n
    assert "revenue" not in data


def test_breakdown_counts_per_bucket(runner, dataset):
    data = breakdown(runner, "--survey", "exit-a", "--survey", "exit-b", "--benchmark", "68-18-9-5")
    assert {b: row["count"] for b, row in data["buckets"].items()} == {
        "indifference": 2, "dissatisfaction": 1, "competitor": 1, "relationship": 1, "circumstances": 1}
    assert data["buckets"]["indifference"]["share"] == 0.3333
    assert data["buckets"]["dissatisfaction"]["benchmark_share"] == 0.18
    assert data["cause_groups"]["company"] == {"count": 3, "share": 0.5, "benchmark_share": 0.86}
    assert data["benchmark"]["code"] == "68-18-9-5"


@pytest.mark.parametrize("args, total, buckets, groups, unknown", [
    ([], 753001.05, {"indifference": 252000.45, "dissatisfaction": 250000.25, "competitor": 250000.25,
                     "relationship": 1000.1, "circumstances": 0.0},
     {"company": 502000.7, "competitor": 251000.35, "customer": 0.0}, 3),
    (["--segment", "Enterprise"], 750000.75, {"indifference": 250000.25, "dissatisfaction": 250000.25,
                                              "competitor": 250000.25, "relationship": 0.0, "circumstances": 0.0},
     {"company": 500000.5, "competitor": 250000.25, "customer": 0.0}, 0),
    (["--kind", "loyalty"], 251000.35, {"indifference": 1000.1, "dissatisfaction": 250000.25, "competitor": 0.0,
                                        "relationship": 0.0, "circumstances": 0.0},
     {"company": 251000.35, "competitor": 0.0, "customer": 0.0}, 1),
])
def test_breakdown_weighted_by_revenue(runner, dataset, args, total, buckets, groups, unknown):
    data = breakdown(runner, *args, "--weight", "revenue")
    revenue = data["revenue"]
    assert data["filter"]["weight"] == "revenue"
    assert revenue["total"] == pytest.approx(total)
    assert {b: row["revenue"] for b, row in revenue["buckets"].items()} == pytest.approx(buckets)
    assert {g: row["revenue"] for g, row in revenue["cause_groups"].items()} == pytest.approx(groups)
    assert revenue["answers_without_revenue"] == unknown and revenue["unclassified"] == 0.0
    assert sum(row["share"] for row in revenue["cause_groups"].values()) == pytest.approx(1.0, abs=1e-3)


def test_breakdown_as_text_with_revenue(runner, dataset):
    result = runner.invoke(args=["reports", "breakdown", "--format", "text", "--weight", "revenue"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "all surveys: n=9, unclassified=1, pending=0, benchmark 68-14-9-5-4"
    assert any(line.split()[:2] == ["indifference", "3"] for line in lines)
    assert any(line.split()[:2] == ["indifference", "252,000.45"] for line in lines)


@pytest.mark.parametrize("args, message", [
    (["--survey", "nope"], "no survey with slug 'nope'"),
    (["--since", "tomorrow"], "is not a date"),
    (["--kind", "churn"], "Invalid value for '--kind'"),
    (["--weight", "profit"], "Invalid value for '--weight'"),
    (["--locale", "de"], "Invalid value for '--locale'"),
])
def test_breakdown_refuses_bad_options(runner, dataset, args, message):
    result = runner.invoke(args=["reports", "breakdown", *args])
    assert result.exit_code != 0 and message in result.output
