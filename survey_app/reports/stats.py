"""Shares per bucket and cause group, compared with a benchmark version (pure Python)."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..taxonomy import BUCKET_GROUP, BUCKETS, CAUSE_GROUPS, PENDING, UNCLASSIFIED, BenchmarkVersion


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
    #: Answers the sorting job has not classified yet (counted apart from those left for review).
    pending: int = 0
    benchmark_shares: dict[str, float] = field(default_factory=dict)
    benchmark_group_shares: dict[str, float] = field(default_factory=dict)

    def interval(self, bucket: str) -> tuple[float, float]:
        """95 % Wilson interval of a bucket's share."""
        return wilson_interval(self.counts[bucket], self.n)

    @property
    def enough(self) -> bool:
        """Enough classified answers to compare shares with the benchmark."""
        return self.n >= MIN_ANSWERS

    def as_dict(self) -> dict:
        """Plain data for JSON output."""
        return {
            "n": self.n,
            "unclassified": self.unclassified,
            "pending": self.pending,
            "buckets": {b: {"count": self.counts[b], "share": round(self.shares[b], 4),
                            "interval_95": [round(x, 4) for x in self.interval(b)],
                            "benchmark_share": round(self.benchmark_shares[b], 4)} for b in BUCKETS},
            "cause_groups": {g: {"count": self.group_counts[g], "share": round(self.group_shares[g], 4),
                                 "benchmark_share": round(self.benchmark_group_shares[g], 4)}
                             for g in CAUSE_GROUPS},
            "benchmark": {"code": self.benchmark.code, "name": self.benchmark.name,
                          "citation": self.benchmark.citation},
        }


def breakdown(counts: Mapping[str, int], benchmark: BenchmarkVersion) -> Breakdown:
    """Turn per-bucket counts (``unclassified`` and ``pending`` included) into shares of the classified answers.

    Unclassified and pending answers are reported apart and never spread over the buckets.
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
        pending=int(counts.get(PENDING, 0)),
        benchmark=benchmark,
        benchmark_shares=benchmark.bucket_shares(),
        benchmark_group_shares=benchmark.group_shares(),
    )


#: Below this many classified answers, shares are not compared with the benchmark.
MIN_ANSWERS = 30


def wilson_interval(count: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The 95 % Wilson score interval for a proportion ``count / n`` (0–1); (0, 0) when n is 0."""
    if n <= 0:
        return (0.0, 0.0)
    p = count / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Comparison:
    """A chi-square goodness-of-fit test of the observed buckets against the benchmark's shares."""

    statistic: float
    p_value: float
    degrees_of_freedom: int
    #: Buckets ordered by how much they pull the answers away from the benchmark (signed residuals).
    residuals: tuple[tuple[str, float], ...]

    @property
    def differs(self) -> bool:
        """The difference is unlikely to be chance (p < 0.05)."""
        return self.p_value < 0.05


def compare_with_benchmark(data: Breakdown) -> Comparison | None:
    """Chi-square test of the counts against the benchmark; None below ``MIN_ANSWERS`` answers.

    Buckets the benchmark gives 0 % (e.g. "gone" in 68/18/9/5) are left out of the test.
    """
    from scipy.stats import chisquare  # scipy is imported only where a test is run

    if data.n < MIN_ANSWERS:
        return None
    buckets = [b for b in BUCKETS if data.benchmark_shares[b] > 0]
    observed = [data.counts[b] for b in buckets]
    total = sum(observed)
    if total == 0:
        return None
    weight = sum(data.benchmark_shares[b] for b in buckets)
    expected = [total * data.benchmark_shares[b] / weight for b in buckets]
    result = chisquare(observed, expected)
    residuals = sorted(((b, (o - e) / math.sqrt(e)) for b, o, e in zip(buckets, observed, expected, strict=True)),
                       key=lambda item: -abs(item[1]))
    return Comparison(float(result.statistic), float(result.pvalue), len(buckets) - 1, tuple(residuals))


def group_interval(data: Breakdown, group: str) -> tuple[float, float]:
    """95 % Wilson interval of a cause group's share (e.g. controllable churn: the company-caused share)."""
    return wilson_interval(data.group_counts[group], data.n)


@dataclass(frozen=True)
class KindComparison:
    """What departed customers say made them leave next to what loyal ones say would make them leave."""

    exit: Breakdown
    loyalty: Breakdown
    #: Loyalty share minus exit share per bucket, in points of 0–1 (positive: feared more than it happens).
    gaps: dict[str, float]
    #: p-value of a chi-square test that both kinds share one distribution; None if either is too small.
    p_value: float | None

    @property
    def enough(self) -> bool:
        """Both kinds have enough classified answers to compare shares."""
        return self.exit.enough and self.loyalty.enough


def compare_kinds(exit_counts: Mapping[str, int], loyalty_counts: Mapping[str, int],
                  benchmark: BenchmarkVersion) -> KindComparison:
    """Compare exit and loyalty answers bucket by bucket, with a chi-square test of homogeneity."""
    exit_data, loyalty_data = breakdown(exit_counts, benchmark), breakdown(loyalty_counts, benchmark)
    gaps = {b: loyalty_data.shares[b] - exit_data.shares[b] for b in BUCKETS}
    p_value = None
    if exit_data.enough and loyalty_data.enough:
        from scipy.stats import chi2_contingency

        columns = [b for b in BUCKETS if exit_data.counts[b] + loyalty_data.counts[b] > 0]
        if len(columns) > 1:
            table = [[exit_data.counts[b] for b in columns], [loyalty_data.counts[b] for b in columns]]
            p_value = float(chi2_contingency(table).pvalue)
    return KindComparison(exit_data, loyalty_data, gaps, p_value)


#: Below this many classified staff answers, the team's beliefs are shown as counts only (a team is small; the
#: intervals show how uncertain its shares are).
MIN_STAFF_ANSWERS = 10
#: The three groups of the belief comparison, in the order reports show them: what staff believe, what loyal
#: customers fear, what departed customers said.
BELIEF_GROUPS = ("staff", "loyalty", "exit")


@dataclass(frozen=True)
class Misperception:
    """The bucket where the team's share differs most from departed customers' share."""

    bucket: str
    staff_share: float
    exit_share: float

    @property
    def overestimated(self) -> bool:
        """Staff put this cause higher than departed customers do."""
        return self.staff_share > self.exit_share


@dataclass(frozen=True)
class BeliefComparison:
    """What staff believe, what loyal customers fear and what departed customers said, bucket by bucket."""

    staff: Breakdown
    loyalty: Breakdown
    exit: Breakdown
    #: The groups with enough answers that the tests compare (two or three of ``BELIEF_GROUPS``).
    tested: tuple[str, ...]
    #: p-values of chi-square tests of homogeneity over the tested groups, by bucket and by cause group; None
    #: when fewer than two groups have enough answers.
    p_value: float | None
    group_p_value: float | None
    #: None unless staff and departed customers both have enough answers and their shares differ somewhere.
    misperception: Misperception | None

    def of(self, group: str) -> Breakdown:
        """One group's breakdown by its name in ``BELIEF_GROUPS``."""
        return {"staff": self.staff, "loyalty": self.loyalty, "exit": self.exit}[group]

    def enough(self, group: str) -> bool:
        """This group has enough classified answers to show shares."""
        return self.of(group).n >= (MIN_STAFF_ANSWERS if group == "staff" else MIN_ANSWERS)

    @property
    def shown(self) -> bool:
        """Staff and at least one customer group have enough answers: the comparison is worth drawing."""
        return self.enough("staff") and (self.enough("exit") or self.enough("loyalty"))

    def as_dict(self) -> dict:
        """Plain data for JSON output: per bucket and cause group the three shares with 95 % intervals."""
        def cell(data: Breakdown, count: int) -> dict:
            return {"count": count, "share": round(count / data.n, 4) if data.n else 0.0,
                    "interval_95": [round(x, 4) for x in wilson_interval(count, data.n)]}

        groups = {name: self.of(name) for name in BELIEF_GROUPS}
        return {
            "groups": {name: {"n": d.n, "unclassified": d.unclassified, "pending": d.pending,
                              "enough": self.enough(name)} for name, d in groups.items()},
            "buckets": {b: {name: cell(d, d.counts[b]) for name, d in groups.items()} for b in BUCKETS},
            "cause_groups": {c: {name: cell(d, d.group_counts[c]) for name, d in groups.items()}
                             for c in CAUSE_GROUPS},
            "tested": list(self.tested),
            "p_value": None if self.p_value is None else round(self.p_value, 6),
            "cause_group_p_value": None if self.group_p_value is None else round(self.group_p_value, 6),
            "misperception": None if self.misperception is None else {
                "bucket": self.misperception.bucket, "staff_share": round(self.misperception.staff_share, 4),
                "exit_share": round(self.misperception.exit_share, 4),
                "direction": "over" if self.misperception.overestimated else "under"},
        }


def _homogeneity(rows: list[list[int]]) -> float | None:
    """p-value of a chi-square test that the rows (groups) share one distribution over the columns; columns no
    group uses are left out; None with fewer than two rows or columns."""
    columns = [i for i in range(len(rows[0])) if sum(row[i] for row in rows) > 0] if rows else []
    if len(rows) < 2 or len(columns) < 2:
        return None
    from scipy.stats import chi2_contingency  # scipy is imported only where a test is run

    return float(chi2_contingency([[row[i] for i in columns] for row in rows]).pvalue)


def compare_beliefs(staff_counts: Mapping[str, int], loyalty_counts: Mapping[str, int],
                    exit_counts: Mapping[str, int], benchmark: BenchmarkVersion) -> BeliefComparison:
    """Compare the team's beliefs with loyal customers' fears and departed customers' causes.

    The tests take the groups with enough answers (staff from ``MIN_STAFF_ANSWERS``, customers from
    ``MIN_ANSWERS``); the largest misperception is the bucket where staff's share is farthest from departed
    customers'.
    """
    data = {"staff": breakdown(staff_counts, benchmark), "loyalty": breakdown(loyalty_counts, benchmark),
            "exit": breakdown(exit_counts, benchmark)}
    enough = {name: d.n >= (MIN_STAFF_ANSWERS if name == "staff" else MIN_ANSWERS) for name, d in data.items()}
    tested = tuple(name for name in BELIEF_GROUPS if enough[name])
    p_value = group_p_value = None
    if len(tested) >= 2:
        p_value = _homogeneity([[data[name].counts[b] for b in BUCKETS] for name in tested])
        group_p_value = _homogeneity([[data[name].group_counts[c] for c in CAUSE_GROUPS] for name in tested])
    misperception = None
    if enough["staff"] and enough["exit"]:
        staff, departed = data["staff"].shares, data["exit"].shares
        bucket = max(BUCKETS, key=lambda b: abs(staff[b] - departed[b]))  # ties: the first in bucket order
        if staff[bucket] != departed[bucket]:
            misperception = Misperception(bucket, staff[bucket], departed[bucket])
    return BeliefComparison(data["staff"], data["loyalty"], data["exit"], tested if len(tested) >= 2 else (),
                            p_value, group_p_value, misperception)


@dataclass(frozen=True)
class Weighted:
    """Revenue behind the answers per bucket and cause group (unclassified apart, never spread)."""

    amounts: dict[str, float]
    shares: dict[str, float]
    group_amounts: dict[str, float]
    group_shares: dict[str, float]
    total: float
    unclassified: float
    #: Classified answers whose customer's revenue is unknown (anonymous, erased, not recorded).
    unknown: int

    def as_dict(self) -> dict:
        """Plain data for JSON output."""
        return {
            "total": round(self.total, 2), "unclassified": round(self.unclassified, 2),
            "answers_without_revenue": self.unknown,
            "buckets": {b: {"revenue": round(self.amounts[b], 2), "share": round(self.shares[b], 4)} for b in BUCKETS},
            "cause_groups": {g: {"revenue": round(self.group_amounts[g], 2), "share": round(self.group_shares[g], 4)}
                             for g in CAUSE_GROUPS},
        }


def countable_amount(value: object) -> float:
    """A sum of revenue as a float; 0.0 when it is missing, negative, infinite or not a number (it counts for
    nothing)."""
    try:
        number = float(value or 0)  # type: ignore[arg-type]  # anything float() refuses counts as 0
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) and number > 0 else 0.0


def weighted(amounts: Mapping[str, float], unknown: Mapping[str, int]) -> Weighted:
    """Shares of revenue per bucket and cause group from per-bucket sums (``unclassified`` included).

    A sum that is negative or not a finite number counts as 0, so every share is a finite number from 0 to 1.
    """
    by_bucket = {b: countable_amount(amounts.get(b)) for b in BUCKETS}
    total = sum(by_bucket.values())
    groups = dict.fromkeys(CAUSE_GROUPS, 0.0)
    for bucket, amount in by_bucket.items():
        groups[BUCKET_GROUP[bucket]] += amount
    return Weighted(
        amounts=by_bucket, shares={b: (a / total if total else 0.0) for b, a in by_bucket.items()},
        group_amounts=groups, group_shares={g: (a / total if total else 0.0) for g, a in groups.items()},
        total=total, unclassified=countable_amount(amounts.get(UNCLASSIFIED)),
        unknown=sum(int(unknown.get(b, 0)) for b in BUCKETS))


@dataclass(frozen=True)
class Funnel:
    """Invitations from invited to answered, and the departed customers we could not reach."""

    invited: int
    sent: int
    opened: int
    answered: int
    unreachable: int

    def steps(self) -> list[tuple[str, int, float]]:
        """(step, count, share of invited) in funnel order, the unreachable bar last."""
        return [(name, count, count / self.invited if self.invited else 0.0) for name, count in (
            ("invited", self.invited), ("sent", self.sent), ("opened", self.opened), ("answered", self.answered),
            ("unreachable", self.unreachable))]

    @property
    def response_rate(self) -> float:
        """Answered among those the email reached."""
        return self.answered / self.sent if self.sent else 0.0
