"""The dashboard, its chart in four languages, and the breakdown CLI."""
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


def test_dashboard_shows_counts_shares_and_benchmark(client, login, answered_survey):
    login("analyst")
    page = client.get(f"/staff/surveys/{answered_survey.slug}/dashboard").text
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>.*?<td class=\"num\">(\d+)</td><td class=\"num\">([^<]+)</td>"
                      r"<td class=\"num\">([^<]+)</td><td class=\"num\">([^<]+)</td>", page, re.S)
    assert ("Indifference: the company stopped caring", "18", "60%", "42%–75%", "68%") in rows
    assert ("Taken by a competitor", "3", "10%", "3%–26%", "9%") in rows
    assert "1 not classified yet" in page
    assert "30 classified answers" in page
    assert "Your answers do not differ clearly from the benchmark (χ² = 5.3, p = 0.259)." in page


def test_benchmark_version_can_be_chosen_and_bad_one_is_400(client, login, answered_survey):
    login("analyst")
    page = client.get(f"/staff/surveys/{answered_survey.slug}/dashboard?benchmark=68-18-9-5").text
    assert "18%" in page
    assert client.get(f"/staff/surveys/{answered_survey.slug}/dashboard?benchmark=1-2-3").status_code == 400


@pytest.mark.parametrize("lang", ["en", "fr", "pl", "ru"])
def test_chart_renders_in_each_language(client, login, answered_survey, lang, recwarn):
    login("analyst")
    png = client.get(f"/staff/surveys/{answered_survey.slug}/chart.png?lang={lang}")
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    svg = client.get(f"/staff/surveys/{answered_survey.slug}/chart.svg?lang={lang}")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    # No missing glyphs: matplotlib warns when the font lacks Polish or Cyrillic letters.
    assert not [w for w in recwarn if "missing from font" in str(w.message).lower()]


def test_breakdown_cli_prints_one_json_object(runner, answered_survey):
    result = runner.invoke(args=["reports", "breakdown", "--survey", answered_survey.slug, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["n"] == 30 and data["unclassified"] == 1 and data["responses"] == 31
    assert data["buckets"]["indifference"] == {"count": 18, "share": 0.6, "interval_95": [0.4232, 0.7541],
                                               "benchmark_share": 0.68}
    assert data["cause_groups"]["company"]["count"] == 24
    assert data["benchmark"]["code"] == "68-14-9-5-4"
    unknown = runner.invoke(args=["reports", "breakdown", "--survey", "nope"])
    assert unknown.exit_code != 0 and "nope" in unknown.output


def test_below_thirty_answers_counts_only_and_no_comparison(app, client, login, make_survey):
    survey = make_survey("exit", slug="exit-small")
    public = app.test_client()
    for _ in range(5):
        public.post(f"/s/o/{survey.slug}", data=answer_data(survey, main_reason="moved"))
    login("analyst")
    page = client.get(f"/staff/surveys/{survey.slug}/dashboard?lang=pl").text
    assert "5" in page and "chart.png" not in page and "χ²" not in page
    assert 'role="status"' in page


def test_a_clear_difference_is_explained_in_words(app, client, login, make_survey):
    survey = make_survey("exit", slug="exit-diff")
    public = app.test_client()
    for code, times in (("cheaper_elsewhere", 20), ("no_follow_up", 15)):
        for _ in range(times):
            public.post(f"/s/o/{survey.slug}", data=answer_data(survey, main_reason=code))
    login("analyst")
    page = client.get(f"/staff/surveys/{survey.slug}/dashboard").text
    assert "Your answers differ from the benchmark" in page
    assert "Competitor: more often than the benchmark" in page
