"""Fuzzing every GET URL of the app (issue 10, item 9), signed in as an admin: each rule of ``app.url_map`` gets
path values (ids beyond 64 bits, negative, odd digits; slugs with NUL, control characters, Unicode) and a random
query string (``_external``, ``_scheme``, ``_method``, huge numbers, dates such as 9999-12-31 and 0000-01-01, NUL,
broken percent-encoding). No request may end in a 5xx. The POST that reviews an answer is fuzzed the same way.

Every rule is first tried with each probe below (one odd value at a time, the known findings among them), then
with random combinations from hypothesis. Runs on SQLite and on PostgreSQL (TEST_DATABASE_URL); derandomized, so
CI sees the same cases every run."""
from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from survey_app.reports import exports, services
from survey_app.responses.models import Answer
from survey_app.routing import IdConverter
from tests.conftest import answer_data

#: Random cases per URL rule, after the probes; the README reports the totals.
CASES_PER_RULE = 25
#: Cases of the review POST.
REVIEW_CASES = 120
FUZZ = dict(deadline=None, derandomize=True, database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                   HealthCheck.filter_too_much])
ARGUMENT = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?(\w+)>")

odd_numbers = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.sampled_from(["0", "-1", "9" * 20, "9" * 5000, str(2**31 - 1), str(2**31), str(2**63 - 1), str(2**63),
                     str(2**64), "1e3", "1.5", "0x10", "00001", "\u0663", "\uff11", "+1", " 1", "1 ", "NaN", "inf"]),
)
odd_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20).map(lambda s: s + "\x00" + s),
    st.text(alphabet=st.characters(max_codepoint=0x9F), min_size=1, max_size=12),  # ASCII, controls, C1
    st.sampled_from(["\x00", "%00", "a\x1b[31m", "\u202e", "..", ".", "\\evil.example", "x" * 5000, "\ud7ff",
                     "é", "Ω", "日本", "\U0001f600", "fr", "en", "png", "svg", "csv", "xlsx"]),
)
odd_dates = st.sampled_from(["9999-12-31", "0000-01-01", "0001-01-01", "1899-12-31", "1900-01-01", "2999-12-31",
                             "3000-01-01", "2024-02-30", "2024-13-01", "20240101", "2024-W01-1", "-2024-01-01",
                             "2024-01-01T00:00", "yesterday", ""])
#: One odd value for one path argument at a time (the others real).
ID_PROBES = ("0", str(2**31), str(2**63 - 1), str(2**63), str(2**64), "9" * 20, "9" * 5000, "\u0663", "00001")
TEXT_PROBES = ("a\x00b", "\x00", "\x01", "\x1b[0m", "\x7f", "\x85", "x" * 5000, "%", "\\evil.example", "é\u202e")
#: One odd query argument at a time.
QUERY_PROBES = (("page", "9" * 20), ("page", "-1"), ("page", "0"), ("page", "1e3"), ("since", "9999-12-31"),
                ("until", "9999-12-31"), ("since", "0000-01-01"), ("until", "0001-01-01"), ("_external", "1"),
                ("_scheme", "javascript"), ("_method", "DELETE"), ("_anchor", "x"), ("manager", "9" * 20),
                ("survey", "x" * 100), ("survey", "a\x00b"), ("lang", "ru\x00"), ("next", "/\\evil.example"),
                ("customer", "\x00" * 3), ("q", "%" * 50))
QUERY_KEYS = ("page", "since", "until", "survey", "kind", "locale", "lang", "segment", "manager", "channel",
              "benchmark", "period", "weight", "q", "status", "bucket", "customer", "reminder", "download", "l",
              "next", "_external", "_scheme", "_method", "_anchor", "_id")
query_values = st.one_of(odd_numbers, odd_text, odd_dates,
                         st.sampled_from(["1", "true", "javascript:alert(1)", "https", "//evil.example", "DELETE",
                                          "exit", "loyalty", "fr", "week", "revenue", "68-14-9-5-4", "lost"]))
query_strings = st.one_of(
    st.lists(st.tuples(st.one_of(st.sampled_from(QUERY_KEYS), st.text(max_size=10)), query_values), max_size=6)
    .map(lambda pairs: urlencode(pairs)),
    st.sampled_from(["%ZZ", "page=%FF%FE", "page=%00", "&&&", "=x", "page", "survey[]=x", "since=%C0%80",
                     "a=" + "%" * 30, "_external=1&_scheme=javascript", "_method=DELETE&_external=true"]),
)


def get_rules(app) -> list:
    """Every rule a GET reaches, but static files."""
    return sorted((r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"),
                  key=lambda r: r.rule)


def _fill(rule, values: dict[str, str]) -> str:
    return ARGUMENT.sub(lambda m: quote(values[m.group(1)], safe=""), rule.rule)


def probes(rule, known: dict[str, list[str]]) -> list[str]:
    """The rule's URL with each odd path value, then with each odd query argument (real values elsewhere)."""
    real = {name: (known.get(name) or ["x"])[0] for name in ARGUMENT.findall(rule.rule)}
    urls = []
    for name in real:
        odd = ID_PROBES if isinstance(rule._converters[name], IdConverter) else TEXT_PROBES
        urls += [_fill(rule, {**real, name: value}) for value in odd]
    return urls + [_fill(rule, real) + "?" + urlencode([probe]) for probe in QUERY_PROBES]


def path_strategy(rule, known: dict[str, list[str]]):
    """Values for each of the rule's arguments, real ones mixed with odd ones, as a URL path."""
    names = ARGUMENT.findall(rule.rule)
    parts = []
    for name in names:
        odd = odd_numbers if isinstance(rule._converters[name], IdConverter) else odd_text
        real = known.get(name, [])
        parts.append(st.one_of(st.sampled_from(real), st.sampled_from(real), odd) if real else odd)

    return st.tuples(*parts).map(lambda values: _fill(rule, dict(zip(names, values, strict=False))))


def seed(app, db, client, make_survey, make_customer, make_invitation, login) -> dict[str, list[str]]:
    """A little of everything, so real ids and slugs lead to real pages; return the real path values."""
    survey = make_survey("exit", slug="fuzz")
    customer = make_customer(locale="pl")
    _invitation, token = make_invitation(survey, customer)
    public = app.test_client()
    for text in ("Trop cher.", "Nobody called back after the contract was signed, twice."):
        assert public.post("/s/o/fuzz", data=answer_data(survey, main_reason="moved", free_text=text)).status_code \
            == 303
    login("admin")
    with db() as session:
        answer_ids = [str(i) for i in session.scalars(select(Answer.id))]
        response_ids = [str(i) for i in session.scalars(select(Answer.response_id).distinct())]
    return {"slug": ["fuzz"], "token": [token], "customer_id": [str(customer.id)], "response_id": response_ids,
            "answer_id": answer_ids, "question_id": [str(q.id) for q in survey.questions],
            "locale": ["en", "fr", "pl", "ru"], "name": list(exports.TABLES),
            "fmt": ["png", "svg", *exports.FORMATS], "job_id": ["nojob"], "report_id": ["noreport"]}


def test_every_get_url_with_odd_paths_and_queries_is_never_a_5xx(app, db, client, make_survey, make_customer,
                                                                  make_invitation, login):
    known = seed(app, db, client, make_survey, make_customer, make_invitation, login)
    rules = get_rules(app)
    assert {"/staff/responses/<int:response_id>", "/staff/customers/<int:customer_id>/edit", "/staff/reports/",
            "/staff/surveys/<slug>/dashboard"} <= {r.rule for r in rules}
    assert set(services.CHARTS) <= set(known["name"])
    ran: dict[str, int] = {}

    for rule in rules:
        for url in probes(rule, known):
            response = client.get(url)
            ran[rule.rule] = ran.get(rule.rule, 0) + 1  # noqa: B023 (visit runs within this iteration)
            assert response.status_code < 500, (url[:300], response.status_code, response.text[:400])

        @settings(max_examples=CASES_PER_RULE, **FUZZ)
        @given(path=path_strategy(rule, known), query=query_strings)
        def visit(path: str, query: str) -> None:
            url = path + ("?" + query if query else "")
            response = client.get(url)
            ran[rule.rule] = ran.get(rule.rule, 0) + 1  # noqa: B023 (visit runs within this iteration)
            assert response.status_code < 500, (url[:300], response.status_code, response.text[:400])

        visit()

    assert set(ran) == {r.rule for r in rules}
    print(f"\n{sum(ran.values())} GET cases over {len(rules)} URL rules")


def test_reviewing_odd_answer_ids_and_choices_is_never_a_5xx(app, db, client, make_survey, make_customer,
                                                            make_invitation, login):
    known = seed(app, db, client, make_survey, make_customer, make_invitation, login)

    ran = 0
    for answer_id in (*ID_PROBES, known["answer_id"][0]):
        for bucket in ("competitor", "a\x00b", "x" * 5000):
            response = client.post(f"/staff/review/{quote(answer_id, safe='')}", data={"bucket": bucket})
            ran += 1
            assert response.status_code < 500, (answer_id[:40], bucket[:40], response.status_code)

    @settings(max_examples=REVIEW_CASES, **FUZZ)
    @given(answer_id=st.one_of(st.sampled_from(known["answer_id"]), odd_numbers), query=query_strings,
           bucket=st.one_of(st.sampled_from(["competitor", "none", "indifference", "unclassified"]), odd_text))
    def review(answer_id: str, query: str, bucket: str) -> None:
        nonlocal ran
        ran += 1
        response = client.post(f"/staff/review/{quote(answer_id, safe='')}?{query}", data={"bucket": bucket})
        assert response.status_code < 500, (answer_id, bucket, response.status_code, response.text[:400])

    review()
    print(f"\n{ran} review POST cases")
