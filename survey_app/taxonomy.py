"""The cause taxonomy and the "why customers stop buying" benchmark versions (pure Python)."""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


def N_(text: str) -> str:
    """Mark a string for translation without translating it (done where it is shown)."""
    return text


INDIFFERENCE = "indifference"
DISSATISFACTION = "dissatisfaction"
COMPETITOR = "competitor"
RELATIONSHIP = "relationship"
CIRCUMSTANCES = "circumstances"
#: An answer whose cause is not known yet; never forced into a bucket.
UNCLASSIFIED = "unclassified"
#: A free-text answer stored but not yet seen by the model (the sorting job takes it within seconds).
PENDING = "pending"
#: A text that gives no reason ("don't know", "no comment"): the classifier's sixth class, never a bucket.
NOT_A_REASON = "none"

#: The five buckets, in the order charts and tables show them.
BUCKETS: tuple[str, ...] = (INDIFFERENCE, DISSATISFACTION, COMPETITOR, RELATIONSHIP, CIRCUMSTANCES)

COMPANY = "company"
COMPETITION = "competitor"
CUSTOMER = "customer"
#: Who caused the loss: the company, a competitor, or the customer's own circumstances.
CAUSE_GROUPS: tuple[str, ...] = (COMPANY, COMPETITION, CUSTOMER)

BUCKET_GROUP = MappingProxyType({
    INDIFFERENCE: COMPANY,
    DISSATISFACTION: COMPANY,
    COMPETITOR: COMPETITION,
    RELATIONSHIP: COMPETITION,
    CIRCUMSTANCES: CUSTOMER,
})

#: English labels (translated where shown).
BUCKET_LABELS = MappingProxyType({
    INDIFFERENCE: N_("Indifference: the company stopped caring"),
    DISSATISFACTION: N_("Dissatisfied with the product or service"),
    COMPETITOR: N_("Taken by a competitor"),
    RELATIONSHIP: N_("Relationship with another supplier"),
    CIRCUMSTANCES: N_("Moved, closed, died or no longer needs it"),
    UNCLASSIFIED: N_("Not classified yet"),
    PENDING: N_("Being sorted"),
    NOT_A_REASON: N_("Not a reason"),
})
BUCKET_SHORT_LABELS = MappingProxyType({
    INDIFFERENCE: N_("Indifference"),
    DISSATISFACTION: N_("Dissatisfaction"),
    COMPETITOR: N_("Competitor"),
    RELATIONSHIP: N_("Other relationship"),
    CIRCUMSTANCES: N_("Circumstances"),
    UNCLASSIFIED: N_("Unclassified"),
    PENDING: N_("Being sorted"),
    NOT_A_REASON: N_("Not a reason"),
})
GROUP_LABELS = MappingProxyType({
    COMPANY: N_("Company-caused"),
    COMPETITION: N_("Competitor-caused"),
    CUSTOMER: N_("Customer-caused"),
})


def is_bucket(code: str | None) -> bool:
    """Tell whether ``code`` names one of the five buckets."""
    return code in BUCKET_GROUP


def cause_group(bucket: str | None) -> str | None:
    """Return the cause group of a bucket, or None when unclassified."""
    return BUCKET_GROUP.get(bucket)  # type: ignore[arg-type]


@dataclass(frozen=True)
class BenchmarkLine:
    """One line of a published version, e.g. "moved away 3 %"."""

    label: str
    bucket: str
    percent: float


@dataclass(frozen=True)
class BenchmarkVersion:
    """A published version of the rule of thumb, with its citation wording."""

    code: str
    name: str
    citation: str
    lines: tuple[BenchmarkLine, ...]

    def bucket_shares(self) -> dict[str, float]:
        """Return each bucket's share (0–1), lines of the same bucket added up."""
        shares = dict.fromkeys(BUCKETS, 0.0)
        for line in self.lines:
            shares[line.bucket] += line.percent / 100
        return shares

    def group_shares(self) -> dict[str, float]:
        """Return each cause group's share (0–1)."""
        shares = dict.fromkeys(CAUSE_GROUPS, 0.0)
        for bucket, share in self.bucket_shares().items():
            shares[BUCKET_GROUP[bucket]] += share
        return shares


_CITATION = N_(
    "A widely quoted rule of thumb, not a study result: attributed variously to Michael LeBoeuf, "
    "How to Win Customers and Keep Them for Life (1987), U.S. News & World Report, the U.S. Small "
    "Business Administration and a \"Rockefeller Corporation\" study; no primary study is known."
)

def _lines(dissatisfaction: float, *gone: BenchmarkLine) -> tuple[BenchmarkLine, ...]:
    """The lines every version shares, with its own product share and "gone" lines."""
    return (
        BenchmarkLine(N_("Indifference of the company"), INDIFFERENCE, 68),
        BenchmarkLine(N_("Dissatisfied with the product"), DISSATISFACTION, dissatisfaction),
        BenchmarkLine(N_("Competitor"), COMPETITOR, 9),
        BenchmarkLine(N_("Other relationships"), RELATIONSHIP, 5),
        *gone,
    )


BENCHMARKS: dict[str, BenchmarkVersion] = {
    v.code: v
    for v in (
        BenchmarkVersion("68-14-9-5-4", N_("68/14/9/5/4 (most quoted)"), _CITATION,
                         _lines(14, BenchmarkLine(N_("Moved away or died"), CIRCUMSTANCES, 4))),
        BenchmarkVersion("68-14-9-5-3-1", N_("68/14/9/5/3/1 (moved and died apart)"), _CITATION,
                         _lines(14, BenchmarkLine(N_("Moved away"), CIRCUMSTANCES, 3),
                                BenchmarkLine(N_("Died"), CIRCUMSTANCES, 1))),
        BenchmarkVersion("68-18-9-5", N_("68/18/9/5 (product at 18, no line for customers gone)"), _CITATION,
                         _lines(18)),
    )
}
DEFAULT_BENCHMARK = "68-14-9-5-4"


def benchmark(code: str | None) -> BenchmarkVersion:
    """Return the benchmark version for ``code``; the default when unknown or empty."""
    return BENCHMARKS.get(code or DEFAULT_BENCHMARK, BENCHMARKS[DEFAULT_BENCHMARK])
