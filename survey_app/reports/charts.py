"""Charts drawn with matplotlib's object API (never pyplot in the server), returned as bytes."""
from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass

from ..taxonomy import BUCKETS, CAUSE_GROUPS
from .stats import Breakdown

OBSERVED_COLOUR = "#1f5fa8"
BENCHMARK_COLOUR = "#b9c3cf"


@dataclass(frozen=True)
class ChartText:
    """Every word on the chart, already translated by the caller."""

    title: str
    groups_title: str
    observed: str
    benchmark: str
    share_axis: str
    bucket_labels: Mapping[str, str]
    group_labels: Mapping[str, str]


def benchmark_chart(data: Breakdown, text: ChartText, fmt: str = "png") -> bytes:
    """Draw observed vs benchmark shares per bucket and per cause group."""
    from matplotlib.figure import Figure  # imported here: slow to import, needed only for charts

    figure = Figure(figsize=(9, 6.2), dpi=100, layout="constrained")
    top, bottom = figure.subplots(2, 1, height_ratios=[5, 3])
    _paired_bars(top, [text.bucket_labels[b] for b in BUCKETS],
                 [data.shares[b] for b in BUCKETS], [data.benchmark_shares[b] for b in BUCKETS], text,
                 intervals=[data.interval(b) for b in BUCKETS])
    top.set_title(text.title, loc="left", fontsize=12)
    _paired_bars(bottom, [text.group_labels[g] for g in CAUSE_GROUPS],
                 [data.group_shares[g] for g in CAUSE_GROUPS],
                 [data.benchmark_group_shares[g] for g in CAUSE_GROUPS], text)
    bottom.set_title(text.groups_title, loc="left", fontsize=12)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, metadata={"Software": None} if fmt == "png" else None)
    return buffer.getvalue()


def _paired_bars(ax, labels: list[str], observed: list[float], expected: list[float], text: ChartText,
                 intervals: list[tuple[float, float]] | None = None) -> None:
    positions = range(len(labels))
    height = 0.38
    errors = None
    if intervals:  # 95 % intervals as whiskers around each observed share
        errors = [[max(0.0, (v - lo) * 100) for v, (lo, _hi) in zip(observed, intervals)],
                  [max(0.0, (hi - v) * 100) for v, (_lo, hi) in zip(observed, intervals)]]
    ax.barh([p - height / 2 for p in positions], [v * 100 for v in observed], height,
            label=text.observed, color=OBSERVED_COLOUR, xerr=errors, error_kw={"ecolor": "#333", "capsize": 3})
    ax.barh([p + height / 2 for p in positions], [v * 100 for v in expected], height,
            label=text.benchmark, color=BENCHMARK_COLOUR)
    ends = [hi for _lo, hi in intervals] if intervals else observed
    for p, value, end in zip(positions, observed, ends):  # the label goes past the whisker
        ax.annotate(f"{value * 100:.0f} %", (max(value, end) * 100, p - height / 2), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=9)
    ax.set_yticks(list(positions), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(text.share_axis)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower right", frameon=False, fontsize=9)
