"""The report filter: URL parameters in and out, refused values, and the cache key (mostly pure)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from urllib.parse import parse_qs, urlencode

import pytest

from survey_app.domain import Invalid
from survey_app.reports.filters import MAX_SURVEYS, FilterError, ReportFilter, from_args

FULL = ReportFilter(surveys=("exit-a", "loyal-a"), kind="exit", since=date(2024, 1, 1), until=date(2024, 3, 31),
                    locale="pl", segment="SMB & retail", manager=7, channel="interview", benchmark="68-18-9-5",
                    period="quarter", weight="revenue")


def through_url(f: ReportFilter) -> ReportFilter:
    """What a browser gives back after following a link built from ``to_args``."""
    return from_args(parse_qs(urlencode(f.to_args(), doseq=True)))


@pytest.mark.parametrize("f", [
    ReportFilter(),
    FULL,
    ReportFilter(surveys=("only-one",)),
    ReportFilter(kind="loyalty", period="week"),
    ReportFilter(since=date(2024, 2, 29)),
    ReportFilter(until=date(2024, 2, 29)),
    ReportFilter(since=date(2024, 5, 1), until=date(2024, 5, 1)),
    ReportFilter(locale="ru", segment="Розница", channel="email"),
    ReportFilter(manager=0),
    ReportFilter(benchmark="68-14-9-5-3-1", weight="revenue"),
], ids=lambda f: f.key() or "default")
def test_to_args_and_from_args_give_the_same_filter_back(f):
    assert through_url(f) == f


def test_to_args_leaves_defaults_out_and_writes_dates_as_iso():
    assert ReportFilter().to_args() == {}
    assert FULL.to_args() == {"survey": ["exit-a", "loyal-a"], "kind": "exit", "since": "2024-01-01",
                              "until": "2024-03-31", "locale": "pl", "segment": "SMB & retail", "manager": 7,
                              "channel": "interview", "benchmark": "68-18-9-5", "period": "quarter",
                              "weight": "revenue"}


@pytest.mark.parametrize("args, expected", [
    ({}, ReportFilter()),
    ({"kind": [""], "locale": ["  "], "since": [""], "survey": ["", "  "], "manager": [""], "segment": [" "]},
     ReportFilter()),
    ({"survey": [" b ", "a", "b"]}, ReportFilter(surveys=("b", "a"))),
    ({"survey": "single"}, ReportFilter(surveys=("single",))),
    ({"kind": ["exit", "loyalty"]}, ReportFilter(kind="loyalty")),
    ({"manager": ["007"], "segment": [" SMB "]}, ReportFilter(manager=7, segment="SMB")),
    ({"since": ["2024-02-29"], "until": ["2024-02-29"]},
     ReportFilter(since=date(2024, 2, 29), until=date(2024, 2, 29))),
    ({"survey": [f"s{i}" for i in range(MAX_SURVEYS)]}, ReportFilter(surveys=tuple(f"s{i}" for i in range(50)))),
    ({"survey": ["x" * 80], "segment": ["y" * 64]}, ReportFilter(surveys=("x" * 80,), segment="y" * 64)),
])
def test_from_args_reads_values_trims_and_drops_empties(args, expected):
    assert from_args(args) == expected


@pytest.mark.parametrize("args, field", [
    ({"kind": ["churn"]}, "kind"),
    ({"locale": ["de"]}, "locale"),
    ({"channel": ["fax"]}, "channel"),
    ({"benchmark": ["1-2-3"]}, "benchmark"),
    ({"period": ["day"]}, "period"),
    ({"weight": ["profit"]}, "weight"),
    ({"since": ["yesterday"]}, "since"),
    ({"since": ["2024-02-30"]}, "since"),
    ({"until": ["31/12/2024"]}, "until"),
    ({"since": ["2024-05-02"], "until": ["2024-05-01"]}, "until"),
    ({"manager": ["x"]}, "manager"),
    ({"manager": ["-1"]}, "manager"),
    ({"manager": ["1.5"]}, "manager"),
    ({"manager": ["²"]}, "manager"),  # a digit to str.isdigit, but not a number int() reads
    ({"segment": ["s" * 65]}, "segment"),
    ({"survey": ["x" * 81]}, "survey"),
    ({"survey": [f"s{i}" for i in range(MAX_SURVEYS + 1)]}, "survey"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_refused_values_raise_filter_error_naming_the_parameter(args, field):
    with pytest.raises(FilterError) as caught:
        from_args(args)
    assert caught.value.field == field
    assert isinstance(caught.value, Invalid) and caught.value.value and caught.value.params == {"field": field}


def test_filter_error_keeps_field_and_value():
    error = FilterError("kind", "churn")
    assert (error.field, error.value, error.code) == ("kind", "churn", "bad_filter")
    assert "“kind”" in str(error)  # the translated message names the parameter


def test_key_ignores_benchmark_period_and_weight():
    plain = ReportFilter(surveys=("exit-a",), kind="exit")
    shown_otherwise = replace(plain, benchmark="68-18-9-5", period="week", weight="revenue")
    assert shown_otherwise.key() == plain.key() == "kind=exit&survey=exit-a"
    assert ReportFilter().key() == ""


@pytest.mark.parametrize("change", [
    {"surveys": ("exit-a",)}, {"kind": "exit"}, {"kind": "loyalty"}, {"since": date(2024, 1, 1)},
    {"until": date(2024, 1, 1)}, {"locale": "fr"}, {"segment": "SMB"}, {"manager": 3}, {"channel": "link"},
], ids=lambda change: next(iter(change)))
def test_key_changes_with_every_counted_setting(change):
    assert replace(ReportFilter(), **change).key() != ReportFilter().key()


@pytest.mark.parametrize("first, second", [
    (ReportFilter(segment="a&since=2024-01-01"), ReportFilter(segment="a", since=date(2024, 1, 1))),
    (ReportFilter(segment="SMB&survey=['exit-a']"), ReportFilter(segment="SMB", surveys=("exit-a",))),
    (ReportFilter(locale="en", segment="x&until=2024-12-31"), ReportFilter(locale="en", segment="x",
                                                                            until=date(2024, 12, 31))),
])
def test_different_counted_filters_never_share_a_key(first, second):
    # The key names cached figures: two filters that count different answers must not share one.
    assert first != second
    assert first.key() != second.key()


@pytest.mark.parametrize("f, narrowed", [
    (ReportFilter(), False),
    (ReportFilter(surveys=("exit-a",), benchmark="68-18-9-5", period="week", weight="revenue"), False),
    (ReportFilter(kind="exit"), True),
    (ReportFilter(since=date(2024, 1, 1)), True),
    (ReportFilter(until=date(2024, 1, 1)), True),
    (ReportFilter(locale="en"), True),
    (ReportFilter(segment="SMB"), True),
    (ReportFilter(manager=0), True),
    (ReportFilter(channel="email"), True),
])
def test_narrowed_tells_whether_answers_are_narrowed(f, narrowed):
    assert f.narrowed is narrowed


@pytest.mark.parametrize("query", [
    "manager=²",
    "manager=99999999999999999999999",
    "until=9999-12-31",
    "since=9999-12-31",
])
def test_extreme_filter_values_never_fail_the_dashboard(analyst, query):
    # Either refused as a bad filter (400) or shown (200); never a server error.
    assert analyst.get(f"/staff/reports/?{query}").status_code in (200, 400)
