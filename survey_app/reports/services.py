"""Report figures for one survey, ready for pages, charts and the CLI."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from ..labels import bucket_label, group_label
from ..surveys.models import Survey
from ..taxonomy import BUCKETS, CAUSE_GROUPS, benchmark
from .charts import ChartText, benchmark_chart
from .queries import bucket_counts
from .stats import Breakdown, breakdown, compare_with_benchmark


def survey_breakdown(survey: Survey, benchmark_code: str | None = None) -> Breakdown:
    """Return the survey's breakdown against the chosen benchmark version (default when unknown)."""
    return breakdown(bucket_counts(survey), benchmark(benchmark_code))


def chart_png(survey: Survey, data: Breakdown, fmt: str = "png") -> bytes:
    """Draw the benchmark chart in the current request's language."""
    text = ChartText(
        title=ngettext("Why customers leave: %(num)d classified answer",
                       "Why customers leave: %(num)d classified answers", data.n),
        groups_title=_("Cause groups"),
        observed=_("Your answers"),
        benchmark=_("Benchmark %(version)s", version=data.benchmark.code.replace("-", "/")),
        share_axis=_("Share of classified answers (%)"),
        bucket_labels={b: bucket_label(b, short=True) for b in BUCKETS},
        group_labels={g: group_label(g) for g in CAUSE_GROUPS},
    )
    return benchmark_chart(data, text, fmt)


def verdict(data: Breakdown) -> str | None:
    """A plain-language sentence on how the answers differ from the benchmark; None below the minimum."""
    from babel.lists import format_list
    from flask_babel import format_decimal, get_locale

    result = compare_with_benchmark(data)
    if result is None:
        return None
    # "p = 0.259", or "p < 0.001" rather than a misleading "p = 0.000".
    p_value = (f"< {format_decimal(0.001, '0.000')}" if result.p_value < 0.001
               else f"= {format_decimal(result.p_value, '0.000')}")
    figures = {"chi2": format_decimal(result.statistic, "#,##0.0"), "p": p_value}
    if not result.differs:
        return _("Your answers do not differ clearly from the benchmark (χ² = %(chi2)s, p %(p)s).", **figures)
    leading = [(b, r) for b, r in result.residuals if abs(r) >= 1.0][:3] or list(result.residuals[:1])
    parts = [(_("%(bucket)s: more often than the benchmark", bucket=bucket_label(b, short=True)) if r > 0 else
              _("%(bucket)s: less often than the benchmark", bucket=bucket_label(b, short=True))) for b, r in leading]
    return _("Your answers differ from the benchmark (χ² = %(chi2)s, p %(p)s), mainly in — %(buckets)s.",
             buckets=format_list(parts, locale=str(get_locale())), **figures)
