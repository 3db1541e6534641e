"""The report filter: which answers a report counts, read from and written back to a URL (pure Python)."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlencode

from ..bounds import parse_day
from ..domain import Invalid
from ..i18n import LANGUAGES
from ..taxonomy import BENCHMARKS, DEFAULT_BENCHMARK

KINDS = ("exit", "loyalty")
CHANNELS = ("email", "link", "interview")
#: Units of time a trend can be shown by.
PERIODS = ("week", "month", "quarter")
WEIGHTS = ("count", "revenue")
MAX_SURVEYS = 50
_STAFF_ID = re.compile(r"[0-9]{1,9}")


class FilterError(Invalid):
    """A filter value that is not allowed; ``field`` names the URL parameter at fault."""

    code = "bad_filter"

    def __init__(self, field_name: str, value: str) -> None:
        super().__init__(field=field_name)
        self.field, self.value = field_name, value


@dataclass(frozen=True)
class ReportFilter:
    """Which responses a report counts, and how it shows them."""

    #: Survey slugs; empty means every survey.
    surveys: tuple[str, ...] = ()
    #: exit or loyalty; None for both.
    kind: str | None = None
    #: First and last day counted (submission dates, inclusive).
    since: date | None = None
    until: date | None = None
    #: Language of the answers.
    locale: str | None = None
    #: Customer segment, exactly as imported.
    segment: str | None = None
    #: Staff id of the customers' account manager.
    manager: int | None = None
    #: email, link or interview.
    channel: str | None = None
    benchmark: str = DEFAULT_BENCHMARK
    #: Unit of the trend chart.
    period: str = "month"
    weight: str = "count"

    def to_args(self) -> dict[str, object]:
        """URL parameters that give this filter back through ``from_args`` (defaults left out)."""
        args: dict[str, object] = {}
        if self.surveys:
            args["survey"] = list(self.surveys)
        for name in ("kind", "locale", "segment", "manager", "channel"):
            if getattr(self, name) is not None:
                args[name] = getattr(self, name)
        for name in ("since", "until"):
            if getattr(self, name) is not None:
                args[name] = getattr(self, name).isoformat()
        if self.benchmark != DEFAULT_BENCHMARK:
            args["benchmark"] = self.benchmark
        if self.period != "month":
            args["period"] = self.period
        if self.weight != "count":
            args["weight"] = self.weight
        return args

    def key(self) -> str:
        """A stable text key of what is counted (for caches); the chart-only settings are left out."""
        counted = replace(self, benchmark=DEFAULT_BENCHMARK, period="month", weight="count")
        return urlencode(sorted(counted.to_args().items()), doseq=True)

    @property
    def narrowed(self) -> bool:
        """Something other than the surveys and the display settings narrows the answers."""
        return any(getattr(self, n) is not None for n in ("kind", "since", "until", "locale", "segment", "manager",
                                                          "channel"))


def _one(args: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = args.get(name) or ()
    if isinstance(values, str):
        values = (values,)
    value = (values[-1] if values else "").strip()
    return value or None


def _choice(args, name: str, allowed: Sequence[str]) -> str | None:
    value = _one(args, name)
    if value is not None and value not in allowed:
        raise FilterError(name, value)
    return value


def _date(args, name: str) -> date | None:
    value = _one(args, name)
    if value is None:
        return None
    try:
        return parse_day(value)
    except ValueError:
        raise FilterError(name, value) from None


def from_args(args: Mapping[str, Sequence[str]]) -> ReportFilter:
    """Read a filter from URL parameters (``{name: [values]}``); empty values mean "any".

    :raise FilterError: for an unknown kind, language, channel, benchmark, period or weight, a bad date (or one
        outside 1900–2999),
        a period that ends before it starts, or too many surveys.
    """
    raw_surveys = args.get("survey") or ()
    if isinstance(raw_surveys, str):
        raw_surveys = (raw_surveys,)
    surveys = tuple(dict.fromkeys(s.strip() for s in raw_surveys if s and s.strip()))
    if len(surveys) > MAX_SURVEYS or any(len(s) > 80 for s in surveys):
        raise FilterError("survey", ",".join(surveys)[:80])
    manager = _one(args, "manager")
    if manager is not None and not _STAFF_ID.fullmatch(manager):
        raise FilterError("manager", manager[:20])
    segment = _one(args, "segment")
    if segment is not None and len(segment) > 64:
        raise FilterError("segment", segment[:64])
    result = ReportFilter(
        surveys=surveys,
        kind=_choice(args, "kind", KINDS),
        since=_date(args, "since"),
        until=_date(args, "until"),
        locale=_choice(args, "locale", LANGUAGES),
        segment=segment,
        manager=int(manager) if manager is not None else None,
        channel=_choice(args, "channel", CHANNELS),
        benchmark=_choice(args, "benchmark", tuple(BENCHMARKS)) or DEFAULT_BENCHMARK,
        period=_choice(args, "period", PERIODS) or "month",
        weight=_choice(args, "weight", WEIGHTS) or "count",
    )
    if result.since and result.until and result.until < result.since:
        raise FilterError("until", result.until.isoformat())
    return result
