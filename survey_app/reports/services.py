"""Report figures for one survey, ready for pages, charts and the CLI."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from ..labels import bucket_label, group_label
from ..surveys.models import Survey
from ..taxonomy import BUCKETS, CAUSE_GROUPS, benchmark
from .charts import ChartText, benchmark_chart
from .queries import bucket_counts
from .stats import Breakdown, breakdown


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
