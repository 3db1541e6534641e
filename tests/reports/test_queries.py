"""Report aggregates in the database: filters, trend periods, revenue, reach, exit against loyalty, and caching.

The expected numbers are literals, and CI runs these tests on SQLite and PostgreSQL: passing on both proves
that the two databases give the same figures (the trend periods use different SQL on each).
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select, update

from survey_app.reports import queries, services
from survey_app.reports.filters import ReportFilter, from_args
from survey_app.responses.models import Answer
from survey_app.taxonomy import BUCKETS

IND, DIS, COMP, REL, CIRC = BUCKETS
UNCL = "unclassified"
EVERYTHING = {IND: 3, DIS: 2, COMP: 2, REL: 1, CIRC: 1, UNCL: 1}


def read_filter(query: str, data) -> ReportFilter:
    """A filter from a query string; ``m1``/``m2`` stand for the data set's account managers."""
    query = query.replace("manager=m1", f"manager={data.m1.id}").replace("manager=m2", f"manager={data.m2.id}")
    return from_args(parse_qs(query))


def plain(rows):
    return [(day.isoformat(), counts) for day, counts in rows]


# -- one data set, every aggregate ------------------------------------------------------------------

SAME_EVERYWHERE = {
    "buckets": EVERYTHING,
    "responses": 11,
    "kinds": {"exit": {IND: 2, DIS: 1, COMP: 1, REL: 1, CIRC: 1, UNCL: 1}, "loyalty": {IND: 1, COMP: 1, DIS: 1}},
    "week": [("2023-12-25", {IND: 1}), ("2024-01-01", {DIS: 1}), ("2024-02-26", {COMP: 1}), ("2024-03-04", {IND: 1}),
             ("2024-03-25", {UNCL: 1}), ("2024-04-01", {CIRC: 1}), ("2024-06-24", {REL: 1}),
             ("2024-07-01", {IND: 1, COMP: 1}), ("2024-09-30", {DIS: 1})],
    "month": [("2023-12-01", {IND: 1}), ("2024-01-01", {DIS: 1}), ("2024-03-01", {COMP: 1, IND: 1, UNCL: 1}),
              ("2024-04-01", {CIRC: 1}), ("2024-06-01", {REL: 1}), ("2024-07-01", {IND: 1, COMP: 1}),
              ("2024-09-01", {DIS: 1})],
    "quarter": [("2023-10-01", {IND: 1}), ("2024-01-01", {DIS: 1, COMP: 1, IND: 1, UNCL: 1}),
                ("2024-04-01", {CIRC: 1, REL: 1}), ("2024-07-01", {IND: 1, COMP: 1, DIS: 1})],
    "revenue": {IND: Decimal("252000.45"), DIS: Decimal("250000.25"), COMP: Decimal("250000.25"),
                REL: Decimal("1000.10"), CIRC: Decimal("0"), UNCL: Decimal("0")},
    "revenue_unknown": {IND: 0, DIS: 1, COMP: 1, REL: 0, CIRC: 1, UNCL: 1},
    "reach": {"invited": 7, "sent": 3, "opened": 2, "answered": 1, "unreachable": 3},
}


def test_same_numbers_on_every_database(app, dataset):
    f = ReportFilter()
    with app.app_context():
        revenue, unknown = queries.revenue_by_bucket(f)
        got = {
            "buckets": queries.bucket_counts(f),
            "responses": queries.response_count(f),
            "kinds": queries.kind_bucket_counts(f),
            **{unit: plain(queries.trend_counts(ReportFilter(period=unit))) for unit in ("week", "month", "quarter")},
            "revenue": revenue,
            "revenue_unknown": unknown,
            "reach": queries.reach_counts(f),
        }
    assert got == SAME_EVERYWHERE
    assert all(isinstance(amount, Decimal) for amount in revenue.values())


# -- each filter narrows what is counted ------------------------------------------------------------

@pytest.mark.parametrize("query, buckets, responses", [
    ("", EVERYTHING, 11),
    ("survey=exit-a", {IND: 2, DIS: 1, COMP: 1, UNCL: 1}, 6),
    ("survey=exit-a&survey=exit-b", {IND: 2, DIS: 1, COMP: 1, REL: 1, CIRC: 1, UNCL: 1}, 8),
    ("kind=exit", {IND: 2, DIS: 1, COMP: 1, REL: 1, CIRC: 1, UNCL: 1}, 8),
    ("kind=loyalty", {IND: 1, COMP: 1, DIS: 1}, 3),
    ("survey=loyal-a&kind=loyalty", {IND: 1, COMP: 1, DIS: 1}, 3),
    ("since=2024-03-04&until=2024-03-31", {IND: 1, UNCL: 1}, 2),  # r5 at 23:59:59.999999 on the last day
    ("until=2023-12-31", {IND: 1}, 1),
    ("until=2024-03-30", {IND: 2, DIS: 1, COMP: 1}, 4),
    ("since=2024-01-01&until=2024-01-01", {DIS: 1}, 1),
    ("since=2024-04-01", {CIRC: 1, REL: 1, IND: 1, COMP: 1, DIS: 1}, 6),
    ("since=2024-07-01&until=2024-07-01", {IND: 1, COMP: 1}, 2),
    ("locale=fr", {COMP: 1, IND: 1, DIS: 1}, 3),
    ("locale=pl", {UNCL: 1, CIRC: 1}, 2),
    ("locale=ru", {COMP: 1}, 1),
    ("segment=SMB", {IND: 2, UNCL: 1, CIRC: 1, REL: 1}, 6),
    ("segment=Enterprise", {COMP: 1, IND: 1, DIS: 1}, 3),
    ("segment=Nobody", {}, 0),
    ("manager=m1", {IND: 2, REL: 1}, 4),
    ("manager=m2", {COMP: 1, IND: 1, DIS: 1}, 3),
    ("channel=email", {IND: 2, COMP: 1, CIRC: 1}, 4),
    ("channel=interview", {IND: 1, DIS: 1}, 2),
    ("channel=link", {DIS: 1, UNCL: 1, REL: 1, COMP: 1}, 5),
    ("kind=exit&locale=en&channel=link", {DIS: 1, REL: 1}, 3),
    ("survey=exit-a&segment=SMB&since=2024-01-01", {UNCL: 1}, 2),
])
def test_each_filter_narrows_every_aggregate(app, dataset, query, buckets, responses):
    f = read_filter(query, dataset)
    with app.app_context():
        assert queries.bucket_counts(f) == buckets
        assert queries.response_count(f) == responses
        # The other aggregates count the very same answers.
        for unit in ("week", "month", "quarter"):
            per_period = queries.trend_counts(replace(f, period=unit))
            assert sum(sum(c.values()) for _d, c in per_period) == sum(buckets.values())
        revenue, unknown = queries.revenue_by_bucket(f)
        assert set(revenue) == set(unknown) == set(buckets)
        if f.kind is None:
            kinds = queries.kind_bucket_counts(f)
            assert {b: kinds["exit"].get(b, 0) + kinds["loyalty"].get(b, 0) for b in buckets} == buckets


def test_kind_comparison_counts_both_kinds_whatever_kind_is_chosen(app, dataset):
    with app.app_context():
        both = queries.kind_bucket_counts(ReportFilter())
        assert queries.kind_bucket_counts(ReportFilter(kind="loyalty")) == both
        assert queries.kind_bucket_counts(ReportFilter(surveys=("exit-b",))) == {"exit": {CIRC: 1, REL: 1},
                                                                                 "loyalty": {}}


def test_a_survey_of_the_other_kind_counts_nothing_rather_than_being_unknown(app, dataset, analyst):
    # exit-a exists: asking for it together with kind=loyalty narrows the answers to none.
    f = ReportFilter(surveys=("exit-a",), kind="loyalty")
    with app.app_context():
        assert queries.bucket_counts(f) == {}
        assert queries.response_count(f) == 0
    page = analyst.get("/staff/reports/?survey=exit-a&survey=loyal-a&kind=loyalty")
    assert page.status_code == 200
    assert "3 responses" in page.text


def test_an_unknown_survey_is_named(app, dataset):
    with app.app_context(), pytest.raises(queries.UnknownSurvey) as caught:
        queries.bucket_counts(ReportFilter(surveys=("exit-a", "gone", "zz-gone")))
    assert caught.value.slug == "gone" and caught.value.params == {"slug": "gone"}


def test_only_primary_answers_count_and_unclassified_is_apart(app, make_survey, respond):
    survey = make_survey("exit")
    respond(survey, IND, text="They never called back.")  # main reason + other reasons + free text + scale
    respond(survey, UNCL, text="Just because.")  # free text is the cause
    respond(survey, None)  # nothing gives a cause
    with app.app_context():
        assert queries.bucket_counts(ReportFilter()) == {IND: 1, UNCL: 1}
        assert queries.response_count(ReportFilter()) == 3
        assert queries.kind_bucket_counts(ReportFilter()) == {"exit": {IND: 1, UNCL: 1}, "loyalty": {}}
    with app.app_context():
        data = services.survey_breakdown(ReportFilter())
    assert (data.n, data.unclassified, data.counts[COMP]) == (1, 1, 0)


# -- trend periods ----------------------------------------------------------------------------------

@pytest.mark.parametrize("unit, times, expected", [
    ("week", [datetime(2024, 3, 3, 23, 59, 59), datetime(2024, 3, 4)],  # a Sunday, then the Monday after
     [("2024-02-26", 1), ("2024-03-04", 1)]),
    ("week", [datetime(2024, 3, 4), datetime(2024, 3, 6, 12), datetime(2024, 3, 10, 23, 59, 59, 999999)],
     [("2024-03-04", 3)]),
    ("week", [datetime(2023, 12, 31, 12), datetime(2024, 1, 1), datetime(2024, 1, 7, 23, 59)],
     [("2023-12-25", 1), ("2024-01-01", 2)]),
    ("week", [datetime(2024, 2, 29, 8), datetime(2024, 3, 2, 8)], [("2024-02-26", 2)]),
    ("month", [datetime(2024, 1, 31, 23, 59, 59, 999999), datetime(2024, 2, 1), datetime(2024, 2, 29, 23, 59),
               datetime(2024, 3, 1)],
     [("2024-01-01", 1), ("2024-02-01", 2), ("2024-03-01", 1)]),
    ("month", [datetime(2023, 12, 31, 23, 59, 59), datetime(2024, 1, 1)], [("2023-12-01", 1), ("2024-01-01", 1)]),
    ("month", [datetime(2024, 1, 5), datetime(2024, 4, 5)], [("2024-01-01", 1), ("2024-04-01", 1)]),
    ("quarter", [datetime(2024, 1, 1), datetime(2024, 2, 29, 12), datetime(2024, 3, 31, 23, 59, 59, 999999)],
     [("2024-01-01", 3)]),
    ("quarter", [datetime(2024, 3, 31, 23, 59, 59), datetime(2024, 4, 1), datetime(2024, 6, 30, 23, 59, 59),
                 datetime(2024, 7, 1), datetime(2024, 9, 30, 23), datetime(2024, 10, 1), datetime(2024, 11, 30),
                 datetime(2024, 12, 31, 23, 59, 59), datetime(2025, 1, 1)],
     [("2024-01-01", 1), ("2024-04-01", 2), ("2024-07-01", 2), ("2024-10-01", 3), ("2025-01-01", 1)]),
], ids=["week-sunday-then-monday", "week-last-instant-of-sunday", "week-across-new-year", "week-leap-day",
        "month-last-instant", "month-across-new-year", "month-gap", "quarter-first", "quarter-boundaries"])
def test_trend_periods_start_on_the_right_day(app, make_survey, respond, unit, times, expected):
    survey = make_survey("exit")
    for at in times:
        respond(survey, IND, at=at)
    with app.app_context():
        rows = queries.trend_counts(ReportFilter(period=unit))
    assert [(day.isoformat(), counts[IND]) for day, counts in rows] == expected
    assert all(isinstance(day, date) for day, _counts in rows)


def test_trend_counts_buckets_per_period_oldest_first_and_leaves_empty_periods_out(app, make_survey, respond):
    survey = make_survey("exit")
    respond(survey, COMP, at=datetime(2024, 6, 3))
    respond(survey, IND, at=datetime(2024, 1, 9), times=2)
    respond(survey, UNCL, at=datetime(2024, 1, 20))
    respond(survey, None, at=datetime(2024, 3, 1))
    with app.app_context():
        rows = queries.trend_counts(ReportFilter())
    assert plain(rows) == [("2024-01-01", {IND: 2, UNCL: 1}), ("2024-06-01", {COMP: 1})]
    with app.app_context():
        shown = services.trend(ReportFilter())
    assert [(day.isoformat(), data.n, data.unclassified) for day, data in shown] == [("2024-01-01", 2, 1),
                                                                                     ("2024-06-01", 1, 0)]


# -- revenue ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, revenue, unknown", [
    ("kind=exit", {IND: "251000.35", DIS: "0", COMP: "250000.25", REL: "1000.10", CIRC: "0", UNCL: "0"},
     {IND: 0, DIS: 1, COMP: 0, REL: 0, CIRC: 1, UNCL: 1}),
    ("segment=Enterprise", {IND: "250000.25", DIS: "250000.25", COMP: "250000.25"}, {IND: 0, DIS: 0, COMP: 0}),
    ("manager=m1", {IND: "2000.20", REL: "1000.10"}, {IND: 0, REL: 0}),
    ("locale=ru", {COMP: "0"}, {COMP: 1}),
])
def test_revenue_sums_per_bucket_and_counts_unknown_revenue(app, dataset, query, revenue, unknown):
    with app.app_context():
        amounts, missing = queries.revenue_by_bucket(read_filter(query, dataset))
    assert amounts == {b: Decimal(v) for b, v in revenue.items()}
    assert missing == unknown


def test_revenue_weighting_per_bucket_and_cause_group(app, dataset):
    with app.app_context():
        data = services.revenue(ReportFilter())
    assert data.amounts == pytest.approx({IND: 252000.45, DIS: 250000.25, COMP: 250000.25, REL: 1000.10,
                                          CIRC: 0.0})
    assert data.group_amounts == pytest.approx({"company": 502000.70, "competitor": 251000.35, "customer": 0.0})
    assert data.total == pytest.approx(753001.05)
    assert data.group_shares == pytest.approx({"company": 2 / 3, "competitor": 1 / 3, "customer": 0.0}, abs=1e-6)
    assert data.shares[REL] == pytest.approx(1000.10 / 753001.05)
    # r2 and r9 are anonymous, r6 is a customer without a recorded revenue; r5 (unclassified) is not counted.
    assert data.unknown == 3 and data.unclassified == 0.0


def test_unclassified_revenue_is_apart_and_erased_customers_become_unknown(app, make_survey, customer, respond):
    from survey_app.customers.models import Customer
    from survey_app.customers.services import erase_customer
    from tests.conftest import app_db

    survey = make_survey("exit")
    big, small = customer(revenue="9000"), customer(revenue="1000")
    respond(survey, IND, customer=big)
    respond(survey, UNCL, customer=small)
    with app.app_context():
        before = services.revenue(ReportFilter())
    assert (before.total, before.unclassified, before.unknown) == (9000.0, 1000.0, 0)
    with app_db(app) as session:
        erase_customer(session.get(Customer, big.id))
    with app.app_context():
        after = services.revenue(ReportFilter())
    assert (after.total, after.unclassified, after.unknown, after.amounts[IND]) == (0.0, 1000.0, 1, 0.0)


# -- reach ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("", (7, 3, 2, 1, 3)),
    ("survey=exit-a", (4, 2, 2, 1, 3)),  # c7 was invited to exit-a: not counted as never asked
    ("survey=exit-b", (2, 0, 0, 0, 3)),
    ("kind=loyalty", (1, 1, 0, 0, 3)),
    ("since=2024-04-01", (3, 1, 0, 0, 1)),
    ("until=2024-03-15", (4, 2, 2, 1, 2)),  # invitation at 17:00 and a customer lost on the last day count
    ("locale=fr", (2, 2, 1, 0, 1)),
    ("segment=SMB", (4, 1, 1, 1, 2)),
    ("manager=m1", (2, 1, 1, 1, 1)),
    ("channel=interview", (7, 3, 2, 1, 3)),  # invitations are email: the channel does not apply
])
def test_reach_funnel(app, dataset, query, expected):
    with app.app_context():
        counts = queries.reach_counts(read_filter(query, dataset))
        funnel = services.reach(read_filter(query, dataset))
    assert tuple(counts[k] for k in ("invited", "sent", "opened", "answered", "unreachable")) == expected
    assert [count for _step, count, _share in funnel.steps()] == list(expected)


def test_reach_is_empty_without_invitations_or_lost_customers(app, make_survey, customer):
    make_survey("exit")
    customer(status="lost", lost_at=date(2024, 1, 1))  # lost, but has an address
    customer(email=None)  # no address, but not lost
    with app.app_context():
        assert queries.reach_counts(ReportFilter()) == {"invited": 0, "sent": 0, "opened": 0, "answered": 0,
                                                        "unreachable": 0}


# -- exit against loyalty ---------------------------------------------------------------------------

@pytest.mark.parametrize("loyal_relationship, p_value", [(5, 0.018566), (4, None)])
def test_exit_and_loyalty_are_compared_once_both_have_30_answers(app, make_survey, respond, loyal_relationship,
                                                                  p_value):
    exit_survey, loyal = make_survey("exit"), make_survey("loyalty")
    for bucket, times in ((IND, 20), (DIS, 5), (COMP, 5)):
        respond(exit_survey, bucket, times=times, extra=False)
    for bucket, times in ((IND, 10), (DIS, 10), (COMP, 5), (REL, loyal_relationship)):
        respond(loyal, bucket, times=times, extra=False)
    respond(loyal, UNCL, extra=False)  # never counted in n
    with app.app_context():
        comparison = services.kinds(ReportFilter(kind="exit"))  # the kind filter does not hide loyalty answers
    loyal_n = 25 + loyal_relationship
    assert (comparison.exit.n, comparison.loyalty.n) == (30, loyal_n)
    assert comparison.gaps == pytest.approx({IND: 10 / loyal_n - 20 / 30, DIS: 10 / loyal_n - 5 / 30,
                                             COMP: 5 / loyal_n - 5 / 30, REL: loyal_relationship / loyal_n,
                                             CIRC: 0.0})
    if p_value is None:
        assert comparison.p_value is None and not comparison.enough
    else:
        assert comparison.p_value == pytest.approx(p_value, abs=1e-6) and comparison.enough


# -- cached figures never go stale ------------------------------------------------------------------

def page_figures(client, query: str = "") -> dict:
    page = client.get(f"/staff/reports/{query}")
    assert page.status_code == 200, page.text
    text = page.text
    benchmark = re.search(r'id="table-benchmark">.*?</table>', text, re.S).group(0)
    revenue = re.search(r'id="table-revenue">.*?</table>', text, re.S).group(0)
    counts = re.findall(r'<td class="num">(?:<a href="[^"]*">)?([\d,]+)(?:</a>)?</td>',
                        re.sub(r"<tfoot>.*", "", benchmark, flags=re.S))
    return {
        "responses": int(re.search(r"(\d+) responses?\b", text).group(1)),
        "unclassified": int(re.search(r"(\d+) not classified yet", text).group(1)),
        "buckets": dict(zip(BUCKETS, map(int, counts), strict=False)),
        "revenue": re.findall(r'<tr><th scope="row">[^<]+</th><td class="num">([^<]+)</td>', revenue)[0],
    }


def test_dashboard_counts_a_new_response_at_once(analyst, make_survey, respond):
    survey = make_survey("exit")
    respond(survey, IND, times=3)
    assert page_figures(analyst)["buckets"][COMP] == 0
    respond(survey, COMP)
    figures = page_figures(analyst)
    assert figures["responses"] == 4 and figures["buckets"][IND] == 3 and figures["buckets"][COMP] == 1


def test_dashboard_follows_a_staff_review(app, analyst, make_survey, respond):
    from survey_app.classification.services import review
    from tests.conftest import app_db

    survey = make_survey("exit")
    respond(survey, IND, times=2)
    (unclear,) = respond(survey, UNCL, text="Your rival called me first.")
    assert (page_figures(analyst)["unclassified"], page_figures(analyst)["buckets"][COMP]) == (1, 0)
    with app_db(app) as session:
        answer = session.scalar(select(Answer).where(Answer.response_id == unclear, Answer.is_primary.is_(True)))
        review(answer, COMP, analyst.user.id)
    figures = page_figures(analyst)
    assert (figures["unclassified"], figures["buckets"][COMP], figures["responses"]) == (0, 1, 3)


def test_dashboard_follows_a_revenue_edit(app, analyst, make_survey, customer, respond):
    from survey_app.customers.models import Customer
    from survey_app.customers.services import update_customer
    from tests.conftest import app_db

    survey = make_survey("exit")
    payer = customer(revenue="1000", segment="SMB")
    respond(survey, IND, customer=payer)
    assert page_figures(analyst)["revenue"] == "€1,000"
    with app_db(app) as session:
        stored = session.get(Customer, payer.id)
        update_customer(stored, external_ref=stored.external_ref, name=stored.name, email=stored.email,
                        locale=stored.locale, segment=stored.segment, annual_revenue=Decimal("5000"))
    assert page_figures(analyst)["revenue"] == "€5,000"


def test_figures_are_really_cached(app, analyst, make_survey, customer, respond):
    # A change made behind the services' back (no revision raised) is not seen: the tests above prove that
    # new responses, reviews and customer edits do invalidate the cache, not that nothing is cached.
    from survey_app.customers.models import Customer
    from tests.conftest import app_db

    survey = make_survey("exit")
    payer = customer(revenue="1000")
    respond(survey, IND, customer=payer)
    assert page_figures(analyst)["revenue"] == "€1,000"
    with app_db(app) as session:
        session.execute(update(Customer).where(Customer.id == payer.id).values(annual_revenue=Decimal("7000")))
    assert page_figures(analyst)["revenue"] == "€1,000"


def test_cached_figures_of_one_filter_are_never_served_for_another(app, make_survey, customer, respond):
    survey = make_survey("exit")
    smb = customer(segment="a")
    respond(survey, IND, customer=smb, at=datetime(2023, 6, 1))
    respond(survey, COMP, customer=smb, at=datetime(2024, 6, 1), times=2)
    odd_segment = ReportFilter(segment="a&since=2024-01-01")  # a segment name that nobody has
    segment_since = ReportFilter(segment="a", since=date(2024, 1, 1))
    with app.app_context():
        assert services.responses(odd_segment) == 0
        assert services.responses(segment_since) == 2
        assert services.survey_breakdown(segment_since).counts[COMP] == 2


def test_a_renamed_survey_never_lends_its_cached_figures_to_the_new_owner_of_its_address(app, analyst, make_survey,
                                                                                       respond):
    from survey_app.surveys.models import Survey
    from survey_app.surveys.services import update_settings
    from tests.conftest import app_db

    last_year = make_survey("exit", slug="exit-2024")
    respond(last_year, IND, times=3)
    assert page_figures(analyst, "?survey=exit-2024")["responses"] == 3
    with app_db(app) as session:  # the admin renames it and starts a new survey under the old address
        stored = session.get(Survey, last_year.id)
        update_settings(stored, slug="exit-2023", default_locale=stored.default_locale, open_link=stored.open_link,
                        anonymous=stored.anonymous, opens_at=stored.opens_at, closes_at=stored.closes_at,
                        reason_codes=list(stored.reason_codes))
    make_survey("exit", slug="exit-2024")
    assert page_figures(analyst, "?survey=exit-2024")["responses"] == 0
    assert page_figures(analyst, "?survey=exit-2023")["responses"] == 3
