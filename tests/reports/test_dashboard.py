"""The dashboard, its charts in four languages, filters in the URL, and the breakdown CLI."""
import json
import re

import pytest

from tests.conftest import answer_data


@pytest.fixture
def answered_survey(app, make_survey, make_optional):
    survey = make_survey("exit", slug="exit-dash")
    public = app.test_client()
    for code, times in (("no_follow_up", 18), ("poor_quality", 6), ("cheaper_elsewhere", 3), ("moved", 3)):
        for _ in range(times):
            assert public.post(f"/s/o/{survey.slug}", data=answer_data(survey, main_reason=code)).status_code == 303
    make_optional(survey)
    public.post(f"/s/o/{survey.slug}", data=answer_data(survey, free_text="Not sure why, really."))
    return survey


def benchmark_rows(page: str) -> list[tuple]:
    table = re.search(r'<table class="table" id="table-benchmark">.*?</table>', page, re.S).group(0)
    return re.findall(r"<tr><th scope=\"row\">(.*?)</th>.*?<td class=\"num\"><a href=\"[^\"]*\">(\d+)</a></td>"
                      r"<td class=\"num\">([^<]+)</td>"
                      r"<td class=\"num\">([^<]+)</td><td class=\"num\">([^<]+)</td>", table, re.S)


def test_dashboard_shows_counts_shares_and_benchmark(client, login, answered_survey):
    login("analyst")
    page = client.get(f"/staff/reports/?survey={answered_survey.slug}").text
    rows = benchmark_rows(page)
    assert ("Indifference: the company stopped caring", "18", "60%", "42%–75%", "68%") in rows
    assert ("Taken by a competitor", "3", "10%", "3%–26%", "9%") in rows
    assert "0 not classified yet · 1 being sorted" in page  # free text waits for the sorting job, counted apart
    assert "30 classified answers" in page
    assert "Your answers do not differ clearly from the benchmark (χ² = 5.3, p = 0.259)." in page
    # Controllable churn: 24 of 30 company-caused, against 82 % in 68/14/9/5/4.
    assert "Controllable churn: 80% of classified answers are company-caused (likely 63%–90%), against 82%" in page


def test_survey_dashboard_link_opens_the_report_filtered_to_it(client, login, answered_survey):
    login("analyst")
    response = client.get(f"/staff/surveys/{answered_survey.slug}/dashboard?benchmark=68-18-9-5")
    assert response.status_code == 302
    assert "survey=exit-dash" in response.headers["Location"] and "benchmark=68-18-9-5" in response.headers["Location"]


def test_benchmark_version_can_be_chosen_and_bad_filters_are_400(client, login, answered_survey):
    login("analyst")
    page = client.get(f"/staff/reports/?survey={answered_survey.slug}&benchmark=68-18-9-5").text
    assert "18%" in page
    for bad in ("benchmark=1-2-3", "kind=churn", "since=yesterday", "locale=de", "channel=fax", "manager=x",
                "since=2026-05-02&until=2026-05-01", "period=day"):
        response = client.get(f"/staff/reports/?{bad}")
        assert response.status_code == 400, bad
        assert "This report filter is not valid" in response.text
    missing = client.get("/staff/reports/?survey=no-such-survey")
    assert missing.status_code == 404 and "no-such-survey" in missing.text


def test_bad_filter_page_is_translated(client, login):
    login("analyst")
    page = client.get("/staff/reports/?kind=churn&lang=fr")
    assert page.status_code == 400
    assert "<html lang=\"fr\"" in page.text and "This report filter is not valid" not in page.text


def test_too_few_answers_shows_counts_only(client, login, make_survey, app):
    survey = make_survey("exit", slug="exit-few")
    public = app.test_client()
    for _ in range(5):
        public.post(f"/s/o/{survey.slug}", data=answer_data(survey, main_reason="poor_quality"))
    login("analyst")
    page = client.get(f"/staff/reports/?survey={survey.slug}").text
    assert "Too few answers to compare: 5 classified answers so far" in page
    assert "Company-caused: 5 of 5 classified answers; too few to give a share." in page
    assert "/chart/benchmark.png" not in page
    assert client.get(f"/staff/reports/chart/benchmark.png?survey={survey.slug}").status_code == 404


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "fr", "pl", "ru"])
@pytest.mark.parametrize("name", ["benchmark", "groups", "trend"])
def test_charts_render_in_each_language(client, login, answered_survey, lang, name, recwarn):
    login("analyst")
    png = client.get(f"/staff/reports/chart/{name}.png?survey={answered_survey.slug}&lang={lang}")
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    svg = client.get(f"/staff/reports/chart/{name}.svg?survey={answered_survey.slug}&download=1")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert svg.headers["Content-Disposition"] == f"attachment; filename={name}.svg"
    # No missing glyphs: matplotlib warns when the font lacks Polish or Cyrillic letters.
    assert not [w for w in recwarn if "missing from font" in str(w.message).lower()]


def test_breakdown_cli_prints_one_json_object(runner, answered_survey):
    result = runner.invoke(args=["reports", "breakdown", "--survey", answered_survey.slug, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["n"] == 30 and data["unclassified"] == 0 and data["pending"] == 1 and data["responses"] == 31
    assert data["buckets"]["indifference"] == {"count": 18, "share": 0.6, "interval_95": [0.4232, 0.7541],
                                               "benchmark_share": 0.68}
    assert data["cause_groups"]["company"]["count"] == 24
    assert data["benchmark"]["code"] == "68-14-9-5-4"


def test_breakdown_cli_refuses_unknown_survey_and_bad_date(runner, answered_survey):
    assert runner.invoke(args=["reports", "breakdown", "--survey", "nope"]).exit_code != 0
    result = runner.invoke(args=["reports", "breakdown", "--since", "tomorrow"])
    assert result.exit_code == 2 and "is not a date" in result.output
    result = runner.invoke(args=["reports", "breakdown", "--since", "2026-05-02", "--until", "2026-05-01"])
    assert result.exit_code == 2 and "before the first" in result.output
