"""Charts drawn with matplotlib's object API (never pyplot in the server), returned as PNG or SVG bytes.

Every function takes figures already computed and every word already translated by the caller.
"""
from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date

OBSERVED_COLOUR = "#1f5fa8"
BENCHMARK_COLOUR = "#b9c3cf"
LOYALTY_COLOUR = "#c26a1b"
STAFF_COLOUR = "#5b8c3a"
UNREACHABLE_COLOUR = "#a33"
#: One colour per bucket, told apart also in grey scale.
BUCKET_COLOURS = ("#1f5fa8", "#7aa6d6", "#c26a1b", "#f0b36a", "#5b8c3a")


def _finite(values: Sequence[float]) -> list[float]:
    """The values to draw, 0 in place of any that is not a finite number (matplotlib cannot place those)."""
    return [v if math.isfinite(v) else 0.0 for v in map(float, values)]


def _figure(width: float, height: float):
    from matplotlib.figure import Figure  # imported here: slow to import, needed only for charts

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _bytes(figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, metadata={"Software": None} if fmt == "png" else None)
    return buffer.getvalue()


def _tidy(ax, title: str, axis_label: str) -> None:
    ax.set_title(title, loc="left", fontsize=12)
    ax.set_xlabel(axis_label)
    ax.spines[["top", "right"]].set_visible(False)


def plain_percent(share: float) -> str:
    """A share (0–1) as a whole percentage, where no language's number format is given."""
    return f"{share * 100:.0f} %"


#: Turns a share (0–1) into text: pass the reader's language's format (Babel's) so charts match the tables.
PercentFormat = Callable[[float], str]


def paired_bars(title: str, labels: Sequence[str], first: Sequence[float], second: Sequence[float],
                legend: tuple[str, str], axis_label: str, *, fmt: str = "png", percent: PercentFormat = plain_percent,
                intervals: Sequence[tuple[float, float]] | None = None, second_colour: str = BENCHMARK_COLOUR,
                second_intervals: Sequence[tuple[float, float]] | None = None) -> bytes:
    """Two shares (0–1) per row as horizontal bars, the first with optional 95 % interval whiskers."""
    figure = _figure(9, 1.4 + 0.75 * len(labels))
    ax = figure.subplots()
    first, second = _finite(first), _finite(second)
    positions = range(len(labels))
    height = 0.38
    for offset, values, colour, name, whiskers in ((-height / 2, first, OBSERVED_COLOUR, legend[0], intervals),
                                                   (height / 2, second, second_colour, legend[1], second_intervals)):
        errors = None
        if whiskers:
            errors = [[max(0.0, (v - lo) * 100) for v, (lo, _hi) in zip(values, whiskers, strict=True)],
                      [max(0.0, (hi - v) * 100) for v, (_lo, hi) in zip(values, whiskers, strict=True)]]
        ax.barh([p + offset for p in positions], [v * 100 for v in values], height, label=name, color=colour,
                xerr=errors, error_kw={"ecolor": "#333", "capsize": 3})
        ends = [hi for _lo, hi in whiskers] if whiskers else values
        for p, value, end in zip(positions, values, ends, strict=True):  # the label goes past the whisker
            ax.annotate(percent(value), (max(value, end) * 100, p + offset), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=9)
    ax.set_yticks(list(positions), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.legend(loc="lower right", frameon=False, fontsize=9)
    _tidy(ax, title, axis_label)
    return _bytes(figure, fmt)


def grouped_bars(title: str, labels: Sequence[str],
                 series: Sequence[tuple[str, Sequence[float], Sequence[tuple[float, float]], str]], axis_label: str,
                 *, fmt: str = "png", percent: PercentFormat = plain_percent) -> bytes:
    """Several shares (0–1) per row as horizontal bars side by side, each with 95 % interval whiskers;
    ``series`` is (legend, shares, intervals, colour) per group."""
    figure = _figure(9, 1.6 + 0.3 * max(len(series), 1) * len(labels))
    ax = figure.subplots()
    positions = range(len(labels))
    height = 0.8 / max(len(series), 1)
    for index, (name, shares, whiskers, colour) in enumerate(series):
        values = _finite(shares)
        offset = (index - (len(series) - 1) / 2) * height
        errors = [[max(0.0, (v - lo) * 100) for v, (lo, _hi) in zip(values, whiskers, strict=True)],
                  [max(0.0, (hi - v) * 100) for v, (_lo, hi) in zip(values, whiskers, strict=True)]]
        ax.barh([p + offset for p in positions], [v * 100 for v in values], height, label=name, color=colour,
                xerr=errors, error_kw={"ecolor": "#333", "capsize": 2})
        for p, value, (_lo, hi) in zip(positions, values, whiskers, strict=True):
            ax.annotate(percent(value), (max(value, hi) * 100, p + offset), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(list(positions), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=min(len(series), 3), frameon=False, fontsize=9)
    _tidy(ax, title, axis_label)
    return _bytes(figure, fmt)


def stacked_periods(title: str, periods: Sequence[date], period_label: Callable[[date], str],
                    shares: Sequence[Mapping[str, float]], buckets: Sequence[str], bucket_labels: Mapping[str, str],
                    totals: Sequence[int], axis_label: str, *, fmt: str = "png") -> bytes:
    """Each period's bucket shares as one 100 % bar, oldest at the top, n at the end of each bar."""
    figure = _figure(9, 1.8 + 0.42 * max(len(periods), 3))
    ax = figure.subplots()
    positions = list(range(len(periods)))
    left = [0.0] * len(periods)
    for bucket, colour in zip(buckets, BUCKET_COLOURS, strict=False):
        values = _finite([s.get(bucket, 0.0) * 100 for s in shares])
        ax.barh(positions, values, 0.7, left=left, label=bucket_labels[bucket], color=colour)
        left = [a + b for a, b in zip(left, values, strict=True)]
    for p, n in zip(positions, totals, strict=True):
        ax.annotate(f"n = {n}", (100, p), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(positions, [period_label(d) for d in periods])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=3, frameon=False, fontsize=9)
    _tidy(ax, title, axis_label)
    return _bytes(figure, fmt)


def amount_bars(title: str, labels: Sequence[str], amounts: Sequence[float], annotate: Callable[[float], str],
                axis_label: str, *, fmt: str = "png", colours: Sequence[str] | None = None) -> bytes:
    """One amount (money or a count) per row as horizontal bars, each labelled with its formatted value."""
    figure = _figure(9, 1.4 + 0.5 * len(labels))
    ax = figure.subplots()
    positions = list(range(len(labels)))
    amounts = _finite(amounts)
    ax.barh(positions, amounts, 0.6, color=list(colours) if colours else OBSERVED_COLOUR)
    top = max(amounts, default=0) or 1
    for p, value in zip(positions, amounts, strict=True):
        ax.annotate(annotate(value), (value, p), xytext=(4, 0), textcoords="offset points", va="center", fontsize=9)
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.25)
    ax.xaxis.set_major_formatter(lambda value, _position: annotate(value))
    _tidy(ax, title, axis_label)
    return _bytes(figure, fmt)


def month_bars(title: str, labels: Sequence[str], amounts: Sequence[float], annotate: Callable[[float], str],
               axis_label: str, *, fmt: str = "png") -> bytes:
    """One amount per month as vertical bars, months labelled below (every other one when there are many)."""
    figure = _figure(9, 3.2)
    ax = figure.subplots()
    positions = list(range(len(labels)))
    ax.bar(positions, _finite(amounts), 0.7, color=OBSERVED_COLOUR)
    step = 1 if len(labels) <= 12 else 2
    ax.set_xticks(positions[::step], list(labels)[::step], rotation=45, ha="right", fontsize=8)
    ax.yaxis.set_major_formatter(lambda value, _position: annotate(value))
    _tidy(ax, title, axis_label)
    return _bytes(figure, fmt)


def ratio_lines(title: str, labels: Sequence[str], series: Mapping[str, Sequence[float | None]], axis_label: str,
                *, total: str | None = None, band: tuple[float, float] | None = None, band_label: str = "",
                fmt: str = "png", percent: PercentFormat = plain_percent) -> bytes:
    """Percentages per period, one line per series (``total`` drawn thicker), with an optional shaded band."""
    figure = _figure(9, 3.6)
    ax = figure.subplots()
    positions = list(range(len(labels)))
    if band is not None:
        ax.axhspan(band[0], band[1], color=BENCHMARK_COLOUR, alpha=0.5, label=band_label, linewidth=0)
    for index, (name, values) in enumerate(series.items()):
        points = [(p, v) for p, v in zip(positions, values, strict=True) if v is not None and math.isfinite(v)]
        if not points:
            continue
        is_total = name == total
        ax.plot([p for p, _v in points], [v for _p, v in points], marker="o",
                linewidth=3 if is_total else 1.5, color="#222" if is_total else BUCKET_COLOURS[index % 5],
                label=name)
    ax.set_xticks(positions, labels, rotation=45 if len(labels) > 8 else 0, ha="right" if len(labels) > 8 else "center",
                  fontsize=8)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(lambda value, _position: percent(value / 100))
    if series or band is not None:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    _tidy(ax, title, axis_label)
    return _bytes(figure, fmt)


def share_panels(title: str, panels: Sequence[tuple[str, Sequence[str], Sequence[float | None], Sequence[str]]],
                 axis_label: str, *, fmt: str = "png", percent: PercentFormat = plain_percent) -> bytes:
    """Shares (0–1) as horizontal bars in one panel per grouping, stacked; ``panels`` is (heading, labels, shares,
    notes) per grouping, each bar labelled with its percentage and its note (a share of None is drawn empty)."""
    rows = [max(len(labels), 1) for _heading, labels, _shares, _notes in panels]
    figure = _figure(9, 1.0 + sum(0.45 * n + 0.7 for n in rows))
    axes = figure.subplots(len(panels), 1, squeeze=False, height_ratios=[n + 1.5 for n in rows])[:, 0]
    for ax, (heading, labels, shares, notes) in zip(axes, panels, strict=True):
        positions = list(range(len(labels)))
        values = _finite([0.0 if s is None else s * 100 for s in shares])
        ax.barh(positions, values, 0.6, color=OBSERVED_COLOUR)
        for p, share, value, note in zip(positions, shares, values, notes, strict=True):
            text = "—" if share is None else percent(value / 100)
            ax.annotate(f"{text} ({note})" if note else text, (value, p), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=9)
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()
        ax.set_xlim(0, 115)
        ax.set_xticks([0, 25, 50, 75, 100])
        ax.xaxis.set_major_formatter(lambda value, _position: percent(value / 100))
        _tidy(ax, heading, "")
    axes[-1].set_xlabel(axis_label)
    figure.suptitle(title, x=0.01, ha="left", fontsize=13)
    return _bytes(figure, fmt)
