"""Shares per bucket and cause group, compared with a benchmark version (pure Python)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..taxonomy import BUCKET_GROUP, BUCKETS, CAUSE_GROUPS, UNCLASSIFIED, BenchmarkVersion


@dataclass(frozen=True)
class Breakdown:
    """Counts and shares of classified answers, with the benchmark's shares alongside."""

    counts: dict[str, int]
    shares: dict[str, float]
    group_counts: dict[str, int]
    group_shares: dict[str, float]
    n: int
    unclassified: int
    benchmark: BenchmarkVersion
    benchmark_shares: dict[str, float] = field(default_factory=dict)
    benchmark_group_shares: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """Plain data for JSON output."""
        return {
            "n": self.n,
            "unclassified": self.unclassified,
            "buckets": {b: {"count": self.counts[b], "share": round(self.shares[b], 4),
                            "benchmark_share": round(self.benchmark_shares[b], 4)} for b in BUCKETS},
            "cause_groups": {g: {"count": self.group_counts[g], "share": round(self.group_shares[g], 4),
                                 "benchmark_share": round(self.benchmark_group_shares[g], 4)}
                             for g in CAUSE_GROUPS},
            "benchmark": {"code": self.benchmark.code, "name": self.benchmark.name,
                          "citation": self.benchmark.citation},
        }


def breakdown(counts: Mapping[str, int], benchmark: BenchmarkVersion) -> Breakdown:
    """Turn per-bucket counts (``unclassified`` included) into shares of the classified answers.

    Unclassified answers are reported apart and never spread over the buckets.
    """
    bucket_counts = {b: int(counts.get(b, 0)) for b in BUCKETS}
    n = sum(bucket_counts.values())
    group_counts = dict.fromkeys(CAUSE_GROUPS, 0)
    for bucket, count in bucket_counts.items():
        group_counts[BUCKET_GROUP[bucket]] += count
    return Breakdown(
        counts=bucket_counts,
        shares={b: (c / n if n else 0.0) for b, c in bucket_counts.items()},
        group_counts=group_counts,
        group_shares={g: (c / n if n else 0.0) for g, c in group_counts.items()},
        n=n,
        unclassified=int(counts.get(UNCLASSIFIED, 0)),
        benchmark=benchmark,
        benchmark_shares=benchmark.bucket_shares(),
        benchmark_group_shares=benchmark.group_shares(),
    )
