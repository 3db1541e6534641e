"""Report figures for the filtered answers, ready for pages, charts, exports and the CLI.

Aggregates are cached under a key of the filter and the data's revision (``state.data_state``) and
brought up to date with the answers that arrived since; charts are cached under a key of the very
figures they draw, the language and the format. Nothing stale is served.
"""
from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TypeVar

from flask import current_app, g
from flask_babel import format_date, format_decimal, format_percent, get_locale, ngettext
from flask_babel import gettext as _

from ..classification.services import waiting_for_review
from ..extensions import cache
from ..labels import bucket_label, group_label, money
from ..taxonomy import BUCKETS, CAUSE_GROUPS, COMPANY, benchmark
from . import charts, queries
from .filters import ReportFilter
from .state import data_state
from .stats import (
    MIN_ANSWERS,
    MIN_STAFF_ANSWERS,
    BeliefComparison,
    Breakdown,
    Funnel,
    KindComparison,
    Weighted,
    breakdown,
    compare_beliefs,
    compare_kinds,
    compare_with_benchmark,
    group_interval,
    weighted,
)

#: The dashboard's charts, in the order it shows them.
CHARTS = ("benchmark", "groups", "kinds", "beliefs", "trend", "revenue", "reach")
T = TypeVar("T")


def review_waiting() -> int:
    """How many answers wait in the review queue; kept until counted data changes (every decision and sorting run
    raises the revision), so the dashboard does not count the answers table on every view."""
    if "report_state" not in g:
        g.report_state = data_state()
    key = "reports:review-waiting:{}:{}".format(*g.report_state)
    value = cache.get(key)
    if value is None:
        value = waiting_for_review()
        cache.set(key, value)
    return value


def _cached(name: str, f: ReportFilter, compute: Callable[..., T], merge: Callable[[T, T], T]) -> T:
    """An aggregate of the responses up to the newest one, computed once and then brought up to date.

    Responses are only ever added between revisions, so a cached figure plus the same figure over the
    responses that arrived since (``compute(ids=(cached_upto, newest))``) is the figure over all of them.
    Any other change raises the revision and starts afresh; so does age (REPORT_REBUILD_SECONDS), which
    also takes in a response whose transaction committed after a newer one was already counted.
    """
    if "report_state" not in g:
        g.report_state = data_state()
    revision, newest = g.report_state
    # Surveys by id, not slug: a renamed survey's figures never answer for the next owner of its slug.
    resolved = g.setdefault("report_surveys", {})
    if f.surveys not in resolved:
        resolved[f.surveys] = queries.survey_ids(f, any_kind=True)
    surveys = resolved[f.surveys]
    key = "reports:" + hashlib.sha256(f"{name}|{f.key()}|{surveys}|{revision}".encode()).hexdigest()
    entry = cache.get(key)
    now = time.time()
    if entry is not None:
        upto, built, value = entry
        if upto == newest:
            return value
        if upto < newest and now - built < current_app.config["REPORT_REBUILD_SECONDS"]:
            value = merge(value, compute(ids=(upto, newest)))
            cache.set(key, (newest, built, value))
            return value
    value = compute(ids=(0, newest))
    cache.set(key, (newest, now, value))
    return value


def _add_counts(old: dict, new: dict) -> dict:
    """Add two {key: number} dicts."""
    return {k: old.get(k, 0) + new.get(k, 0) for k in old.keys() | new.keys()}


def _add_cells(old: dict, new: dict) -> dict:
    """Add two {key: {bucket: count}} dicts."""
    return {k: _add_counts(old.get(k, {}), new.get(k, {})) for k in old.keys() | new.keys()}


def _causes(f: ReportFilter) -> dict[tuple[int, str | None], dict[str, int]]:
    """Causes per survey and month (any kind): one cached aggregate that the bucket, kind and monthly figures share."""
    cells = _cached("causes", replace(f, kind=None), lambda ids: queries.cause_counts(f, ids), _add_cells)
    if "report_kinds" not in g:
        g.report_kinds = queries.survey_kinds()
    return cells


def _counted(f: ReportFilter, kind: str | None) -> list[tuple[str | None, dict[str, int]]]:
    """(month, {bucket: count}) of one kind of survey (every kind for None), responses without a cause under ``""``."""
    return queries.of_kind(_causes(f), g.report_kinds, kind)


def survey_breakdown(f: ReportFilter) -> Breakdown:
    """Bucket and cause-group breakdown of the filtered answers against the filter's benchmark version."""
    return breakdown(queries.total_causes(_counted(f, f.kind)), benchmark(f.benchmark))


def responses(f: ReportFilter) -> int:
    """Responses the filter covers, with or without a cause."""
    return sum(sum(cell.values()) for _month, cell in _counted(f, f.kind))


def kinds(f: ReportFilter) -> KindComparison:
    """Exit answers next to loyalty answers (the kind filter is ignored: both are shown)."""
    return compare_kinds(queries.total_causes(_counted(f, "exit")), queries.total_causes(_counted(f, "loyalty")),
                         benchmark(f.benchmark))


def beliefs(f: ReportFilter) -> BeliefComparison:
    """What staff believe (staff surveys) next to what loyal customers fear and departed customers said.

    The customer side is filtered as the exit-and-loyalty comparison is (the kind filter ignored); a filter that
    names only staff surveys compares them with every customer survey.
    """
    if "report_beliefs" in g and f in g.report_beliefs:
        return g.report_beliefs[f]
    customers = f
    if f.surveys and not queries.survey_ids(f, any_kind=True):
        customers = replace(f, surveys=())
    result = compare_beliefs(queries.staff_bucket_counts(f), queries.total_causes(_counted(customers, "loyalty")),
                             queries.total_causes(_counted(customers, "exit")), benchmark(f.benchmark))
    g.setdefault("report_beliefs", {})[f] = result
    return result


def _add_periods(old: list, new: list) -> list:
    periods = dict(old)
    for day, counts in new:
        periods[day] = _add_counts(periods.get(day, {}), counts)
    return sorted(periods.items())


def trend(f: ReportFilter) -> list[tuple[date, Breakdown]]:
    """Breakdown per week, month or quarter, oldest first."""
    if f.period == "week":
        rows = _cached("trend-week", f, lambda ids: queries.trend_counts(f, ids), _add_periods)
    else:  # months (a quarter adds up its three) from the shared aggregate
        rows = queries.causes_by_period(_counted(f, f.kind), f.period)
    return [(day, breakdown(counts, benchmark(f.benchmark))) for day, counts in rows]


def revenue(f: ReportFilter) -> Weighted:
    """Customers' annual revenue behind each bucket and cause group."""
    amounts, unknown = _cached("revenue", f, lambda ids: queries.revenue_by_bucket(f, ids),
                               lambda a, b: (_add_counts(a[0], b[0]), _add_counts(a[1], b[1])))
    return weighted(amounts, unknown)


def reach(f: ReportFilter) -> Funnel:
    """The invitation funnel (not cached: opening a link changes it without touching answers)."""
    return Funnel(**queries.reach_counts(f))


# -- words -------------------------------------------------------------------------------------

def period_label(day: date, unit: str, partial: bool = False) -> str:
    """A week, month or quarter by its first day, in the current language; a period not over yet says so."""
    if unit == "week":
        label = _("Week of %(date)s", date=format_date(day, "medium"))
    elif unit == "quarter":
        label = _("Q%(quarter)s %(year)s", quarter=(day.month - 1) // 3 + 1, year=day.year)
    else:
        label = format_date(day, "LLLL y")
    return _("%(period)s (so far)", period=label) if partial else label


def period_end(day: date, unit: str) -> date:
    """The last day of the week, month or quarter starting on ``day``."""
    if unit == "week":
        return day + timedelta(days=6)
    months = 3 if unit == "quarter" else 1
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1) - timedelta(days=1)


def last_period_partial(f: ReportFilter, rows: list[tuple[date, Breakdown]], today: date) -> bool:
    """Whether the trend's last period goes on past the last day counted (the filter's end, else today): its
    answers are those of part of a period only."""
    return bool(rows) and period_end(rows[-1][0], f.period) > (f.until or today)


def percent(share: float) -> str:
    """A share (0–1) as a whole percentage in the current language ("—" for a number that is not finite)."""
    return format_percent(share) if math.isfinite(share) else "—"


def verdict(data: Breakdown) -> str | None:
    """A plain-language sentence on how the answers differ from the benchmark; None below the minimum."""
    from babel.lists import format_list

    result = compare_with_benchmark(data)
    if result is None:
        return None
    figures = {"chi2": format_decimal(result.statistic, "#,##0.0"), "p": p_value_text(result.p_value)}
    if not result.differs:
        return _("Your answers do not differ clearly from the benchmark (χ² = %(chi2)s, p %(p)s).", **figures)
    leading = [(b, r) for b, r in result.residuals if abs(r) >= 1.0][:3] or list(result.residuals[:1])
    locale = str(get_locale())
    named = {sign: format_list([_("“%(name)s”", name=bucket_label(b, short=True)) for b, r in leading
                                if (r > 0) == sign], locale=locale) for sign in (True, False)}
    more, less = named[True], named[False]
    if more and less:
        return _("Your answers differ from the benchmark (χ² = %(chi2)s, p %(p)s): they give %(more)s more often "
                 "and %(less)s less often.", more=more, less=less, **figures)
    if more:
        return _("Your answers differ from the benchmark (χ² = %(chi2)s, p %(p)s): they give %(more)s more often.",
                 more=more, **figures)
    return _("Your answers differ from the benchmark (χ² = %(chi2)s, p %(p)s): they give %(less)s less often.",
             less=less, **figures)


def p_value_text(p: float) -> str:
    """"= 0.259", or "< 0.001" rather than a misleading "= 0.000"."""
    return f"< {format_decimal(0.001, '0.000')}" if p < 0.001 else f"= {format_decimal(p, '0.000')}"


def controllable_headline(data: Breakdown) -> str:
    """Controllable churn (the company-caused share) against the benchmark's, or counts when too few."""
    if not data.enough:
        return ngettext("Company-caused: %(company)d of %(num)d classified answer; too few to give a share.",
                        "Company-caused: %(company)d of %(num)d classified answers; too few to give a share.",
                        data.n, company=data.group_counts[COMPANY])
    low, high = group_interval(data, COMPANY)
    return _("Controllable churn: %(share)s of classified answers are company-caused (likely %(low)s–%(high)s), "
             "against %(benchmark)s in the benchmark.", share=percent(data.group_shares[COMPANY]),
             low=percent(low), high=percent(high), benchmark=percent(data.benchmark_group_shares[COMPANY]))


def kinds_verdict(comparison: KindComparison) -> str:
    """Where feared and real causes differ most, or why they cannot be compared yet."""
    if not comparison.enough:
        return _("Exit and loyalty answers are compared once each has at least %(num)d classified answers "
                 "(now %(exit)d and %(loyalty)d).", num=MIN_ANSWERS, exit=comparison.exit.n,
                 loyalty=comparison.loyalty.n)
    bucket = max(BUCKETS, key=lambda b: abs(comparison.gaps[b]))
    gap = _("The largest gap is %(bucket)s: %(loyalty)s of loyal customers' answers against %(exit)s of departed "
            "customers'.", bucket=bucket_label(bucket, short=True), loyalty=percent(comparison.loyalty.shares[bucket]),
            exit=percent(comparison.exit.shares[bucket]))
    if comparison.p_value is not None and comparison.p_value < 0.05:
        return _("What loyal customers fear differs from what made others leave (p %(p)s). %(gap)s",
                 p=p_value_text(comparison.p_value), gap=gap)
    return _("What loyal customers fear does not differ clearly from what made others leave (p %(p)s). %(gap)s",
             p=p_value_text(comparison.p_value or 1.0), gap=gap)


def beliefs_verdict(comparison: BeliefComparison) -> str:
    """Whether staff, loyal and departed customers differ, or why they cannot be compared yet."""
    if not comparison.shown:
        return _("Staff beliefs are compared once staff surveys have at least %(staff_min)d classified answers and "
                 "exit or loyalty surveys at least %(num)d (classified answers now: staff %(staff)d, loyalty "
                 "%(loyalty)d, exit %(exit)d).", staff_min=MIN_STAFF_ANSWERS, num=MIN_ANSWERS, staff=comparison.staff.n,
                 loyalty=comparison.loyalty.n, exit=comparison.exit.n)
    if comparison.p_value is not None and comparison.p_value < 0.05:
        return _("What staff believe, what loyal customers fear and what departed customers said differ "
                 "(p %(p)s).", p=p_value_text(comparison.p_value))
    return _("What staff believe, what loyal customers fear and what departed customers said do not differ "
             "clearly (p %(p)s).", p=p_value_text(comparison.p_value if comparison.p_value is not None else 1.0))


def misperception_sentence(comparison: BeliefComparison) -> str | None:
    """The largest misperception in one sentence (staff's share against departed customers'); None when staff or
    departed customers gave too few answers."""
    found = comparison.misperception
    if found is None:
        return None
    figures = {"staff": percent(found.staff_share), "exit": percent(found.exit_share)}
    if found.overestimated:
        sentences = {
            "indifference": _("The largest misperception: staff think %(staff)s of customers leave because they "
                              "feel the company stopped caring about them; departed customers say only %(exit)s.",
                              **figures),
            "dissatisfaction": _("The largest misperception: staff think %(staff)s of customers leave because they "
                                 "are dissatisfied with the product or service; departed customers say only "
                                 "%(exit)s.", **figures),
            "competitor": _("The largest misperception: staff think %(staff)s of customers leave because of "
                            "competitors; departed customers say only %(exit)s.", **figures),
            "relationship": _("The largest misperception: staff think %(staff)s of customers leave because they "
                              "built a relationship with another supplier; departed customers say only %(exit)s.",
                              **figures),
            "circumstances": _("The largest misperception: staff think %(staff)s of customers leave because their "
                               "own circumstances changed; departed customers say only %(exit)s.", **figures),
        }
    else:
        sentences = {
            "indifference": _("The largest misperception: staff think only %(staff)s of customers leave because "
                              "they feel the company stopped caring about them; departed customers say %(exit)s.",
                              **figures),
            "dissatisfaction": _("The largest misperception: staff think only %(staff)s of customers leave because "
                                 "they are dissatisfied with the product or service; departed customers say "
                                 "%(exit)s.", **figures),
            "competitor": _("The largest misperception: staff think only %(staff)s of customers leave because of "
                            "competitors; departed customers say %(exit)s.", **figures),
            "relationship": _("The largest misperception: staff think only %(staff)s of customers leave because "
                              "they built a relationship with another supplier; departed customers say %(exit)s.",
                              **figures),
            "circumstances": _("The largest misperception: staff think only %(staff)s of customers leave because "
                               "their own circumstances changed; departed customers say %(exit)s.", **figures),
        }
    return sentences[found.bucket]


def belief_legend() -> dict[str, str]:
    """Translated names of the three groups of the belief comparison."""
    return {"staff": _("What staff believe (staff surveys)"), "loyalty": _("What loyal customers fear (loyalty "
            "surveys)"), "exit": _("What departed customers said (exit surveys)")}


def funnel_labels() -> dict[str, str]:
    """Translated names of the funnel steps."""
    return {"invited": _("Invited"), "sent": _("Sent"), "opened": _("Opened"), "answered": _("Answered"),
            "unreachable": _("Bounced or unreachable")}


# -- charts ------------------------------------------------------------------------------------

def chart(name: str, f: ReportFilter, fmt: str = "png") -> bytes | None:
    """Draw one dashboard chart in the current language; None when there is nothing to draw.

    A drawn chart is kept under a key of the very figures it shows, its language and format.
    """
    plan = _PLANS[name](f)
    if plan is None:
        return None
    figures, draw = plan
    key = "chart:" + hashlib.sha256(repr((name, fmt, str(get_locale()), figures)).encode()).hexdigest()
    body = cache.get(key)
    if body is None:
        body = draw(fmt)
        cache.set(key, body)
    return body


#: What a chart shows (compared to find it in the cache) and how to draw it in a format; None: nothing to draw.
Plan = tuple[object, Callable[[str], bytes]] | None


def _short_labels() -> list[str]:
    return [bucket_label(b, short=True) for b in BUCKETS]


def _benchmark_legend(data: Breakdown) -> tuple[str, str]:
    return _("Your answers"), _("Benchmark %(version)s", version=data.benchmark.code.replace("-", "/"))


def _plan_benchmark(f: ReportFilter) -> Plan:
    data = survey_breakdown(f)
    if not data.enough:
        return None
    return (data.counts, data.benchmark.code), lambda fmt: charts.paired_bars(
        ngettext("Why customers leave: %(num)d classified answer", "Why customers leave: %(num)d classified answers",
                 data.n),
        _short_labels(), [data.shares[b] for b in BUCKETS], [data.benchmark_shares[b] for b in BUCKETS],
        _benchmark_legend(data), _("Share of classified answers (%)"), fmt=fmt, percent=percent,
        intervals=[data.interval(b) for b in BUCKETS])


def _plan_groups(f: ReportFilter) -> Plan:
    data = survey_breakdown(f)
    if not data.enough:
        return None
    return (data.group_counts, data.benchmark.code), lambda fmt: charts.paired_bars(
        _("Controllable churn: %(share)s company-caused", share=percent(data.group_shares[COMPANY])),
        [group_label(c) for c in CAUSE_GROUPS], [data.group_shares[c] for c in CAUSE_GROUPS],
        [data.benchmark_group_shares[c] for c in CAUSE_GROUPS], _benchmark_legend(data),
        _("Share of classified answers (%)"), fmt=fmt, percent=percent,
        intervals=[group_interval(data, c) for c in CAUSE_GROUPS])


def _plan_kinds(f: ReportFilter) -> Plan:
    comparison = kinds(f)
    if not comparison.enough:
        return None
    return (comparison.exit.counts, comparison.loyalty.counts), lambda fmt: charts.paired_bars(
        _("Why customers left, and what would make loyal customers leave"), _short_labels(),
        [comparison.exit.shares[b] for b in BUCKETS], [comparison.loyalty.shares[b] for b in BUCKETS],
        (_("Departed customers (exit surveys)"), _("Loyal customers (loyalty surveys)")),
        _("Share of classified answers (%)"), fmt=fmt, percent=percent, second_colour=charts.LOYALTY_COLOUR,
        intervals=[comparison.exit.interval(b) for b in BUCKETS],
        second_intervals=[comparison.loyalty.interval(b) for b in BUCKETS])


def _plan_beliefs(f: ReportFilter) -> Plan:
    comparison = beliefs(f)
    if not comparison.shown:
        return None
    from .stats import BELIEF_GROUPS, wilson_interval

    groups = [name for name in BELIEF_GROUPS if comparison.enough(name)]
    colours = {"staff": charts.STAFF_COLOUR, "loyalty": charts.LOYALTY_COLOUR, "exit": charts.OBSERVED_COLOUR}

    def series(fmt: str) -> bytes:
        legend = belief_legend()
        rows = []
        for name in groups:
            data = comparison.of(name)
            counts = [*(data.counts[b] for b in BUCKETS), *(data.group_counts[c] for c in CAUSE_GROUPS)]
            rows.append((legend[name], [c / data.n for c in counts], [wilson_interval(c, data.n) for c in counts],
                         colours[name]))
        return charts.grouped_bars(_("What staff believe, what loyal customers fear, what departed customers said"),
                                   [*_short_labels(), *(group_label(c) for c in CAUSE_GROUPS)], rows,
                                   _("Share of classified answers (%)"), fmt=fmt, percent=percent)

    return tuple((name, comparison.of(name).counts) for name in groups), series


def _plan_trend(f: ReportFilter) -> Plan:
    rows = trend(f)
    if not rows:
        return None
    partial = last_period_partial(f, rows, date.today())
    return (f.period, partial, [(day, data.counts) for day, data in rows]), lambda fmt: charts.stacked_periods(
        _("Causes over time"), [day for day, _data in rows],
        lambda day: period_label(day, f.period, partial=partial and day == rows[-1][0]),
        [data.shares for _day, data in rows], BUCKETS, {b: bucket_label(b, short=True) for b in BUCKETS},
        [data.n for _day, data in rows], _("Share of classified answers (%)"), fmt=fmt)


def _plan_revenue(f: ReportFilter) -> Plan:
    data = revenue(f)
    if not data.total:
        return None
    currency = current_app.config["REPORT_CURRENCY"]
    return (data.amounts, currency), lambda fmt: charts.amount_bars(
        _("Annual revenue behind each cause"), [*_short_labels(), *(group_label(c) for c in CAUSE_GROUPS)],
        [*(data.amounts[b] for b in BUCKETS), *(data.group_amounts[c] for c in CAUSE_GROUPS)], money,
        _("Annual revenue (%(currency)s)", currency=currency), fmt=fmt,
        colours=[*charts.BUCKET_COLOURS, *[charts.BENCHMARK_COLOUR] * len(CAUSE_GROUPS)])


def _plan_reach(f: ReportFilter) -> Plan:
    funnel = reach(f)
    if not funnel.invited and not funnel.unreachable:
        return None
    labels, steps = funnel_labels(), funnel.steps()
    return funnel, lambda fmt: charts.amount_bars(
        _("From invitation to answer"), [labels[name] for name, _count, _share in steps],
        [count for _name, count, _share in steps], lambda value: format_decimal(value, "#,##0"),
        _("Customers"), fmt=fmt, colours=[charts.OBSERVED_COLOUR] * 4 + [charts.UNREACHABLE_COLOUR])


_PLANS: dict[str, Callable[[ReportFilter], Plan]] = {
    "benchmark": _plan_benchmark, "groups": _plan_groups, "kinds": _plan_kinds, "beliefs": _plan_beliefs,
    "trend": _plan_trend,
    "revenue": _plan_revenue, "reach": _plan_reach}


@dataclass(frozen=True)
class Report:
    """Everything the dashboard and the printable report show."""

    filter: ReportFilter
    responses: int
    data: Breakdown
    verdict: str | None
    headline: str
    kinds: KindComparison
    kinds_verdict: str
    beliefs: BeliefComparison
    beliefs_verdict: str
    #: The largest misperception in one sentence; None when too few answers.
    misperception: str | None
    trend: list[tuple[date, Breakdown]]
    #: The trend's last period is not over (it counts part of a period only).
    trend_partial: bool
    revenue: Weighted
    reach: Funnel


def build_report(f: ReportFilter) -> Report:
    """Compute every figure of the dashboard for a filter."""
    data = survey_breakdown(f)
    comparison = kinds(f)
    believed = beliefs(f)
    rows = trend(f)
    return Report(filter=f, responses=responses(f), data=data, verdict=verdict(data),
                  headline=controllable_headline(data), kinds=comparison, kinds_verdict=kinds_verdict(comparison),
                  beliefs=believed, beliefs_verdict=beliefs_verdict(believed),
                  misperception=misperception_sentence(believed), trend=rows,
                  trend_partial=last_period_partial(f, rows, date.today()), revenue=revenue(f), reach=reach(f))


def breakdown_report(f: ReportFilter) -> dict:
    """The breakdown as one JSON-ready object: surveys, filter, responses, n, buckets, cause groups, benchmark
    (and revenue when weighed by it), as ``flask reports breakdown --format json`` prints it and the API answers.

    :raise UnknownSurvey: if a survey named does not exist.
    """
    data = survey_breakdown(f)
    result = {"surveys": list(f.surveys), "filter": {k: v for k, v in f.to_args().items() if k != "survey"},
              "responses": responses(f), **data.as_dict()}
    if f.weight == "revenue":
        result["revenue"] = revenue(f).as_dict()
    return result
