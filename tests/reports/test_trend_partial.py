"""The trend's last period, when it is not over, says it counts part of a period; surveys with the same title are
told apart in the dashboard's filter."""
import re
from datetime import date, datetime, timedelta

import pytest

from survey_app.dbtypes import utcnow
from survey_app.reports.services import period_end


@pytest.mark.parametrize("day, unit, end", [(date(2024, 1, 1), "month", date(2024, 1, 31)),
                                            (date(2024, 2, 1), "month", date(2024, 2, 29)),
                                            (date(2024, 10, 1), "quarter", date(2024, 12, 31)),
                                            (date(2024, 12, 1), "month", date(2024, 12, 31)),
                                            (date(2024, 5, 13), "week", date(2024, 5, 19))])
def test_period_ends(day, unit, end):
    assert period_end(day, unit) == end


def trend_rows(page: str) -> list[str]:
    table = re.search(r'id="table-trend">(.*?)</table>', page, re.S).group(1)
    return re.findall(r'<tr><th scope="row">([^<]+)</th>', table)


def test_the_current_month_is_marked_as_so_far_and_a_finished_one_is_not(analyst, make_survey, respond):
    survey = make_survey("exit")
    now = utcnow()
    respond(survey, "indifference", times=3, at=now - timedelta(minutes=5))
    respond(survey, "competitor", times=2, at=datetime(2024, 5, 15, 12, 0))
    rows = trend_rows(analyst.get(f"/staff/reports/?survey={survey.slug}").text)
    assert rows[-1].endswith("(so far)") and not any(r.endswith("(so far)") for r in rows[:-1])
    closed = trend_rows(analyst.get(f"/staff/reports/?survey={survey.slug}&until=2024-05-31").text)
    assert closed == ["May 2024"]
    cut = trend_rows(analyst.get(f"/staff/reports/?survey={survey.slug}&until=2024-05-20").text)
    assert cut == ["May 2024 (so far)"]
    french = trend_rows(analyst.get(f"/staff/reports/?survey={survey.slug}&until=2024-05-20&lang=fr").text)
    assert french[-1].startswith("mai 2024") and french[-1] != "mai 2024"
    chart = analyst.get(f"/staff/reports/chart/trend.png?survey={survey.slug}&until=2024-05-20")
    assert chart.status_code == 200


def test_surveys_with_the_same_title_are_told_apart_in_the_filter(analyst, make_survey):
    first = make_survey("exit", slug="exit-2024")
    second = make_survey("exit", slug="exit-2025", state="draft")
    page = analyst.get("/staff/reports/").text
    labels = re.findall(r'<label class="check"><input type="checkbox" name="survey" value="(exit-202\d)">([^<]+)'
                        r'<span class="muted small">\(([^)]+)\)', page)
    assert len(labels) == 2 and labels[0][1] == labels[1][1]  # same title
    details = {slug: detail for slug, _title, detail in labels}
    assert first.slug in details[first.slug] and "Open" in details[first.slug]
    assert second.slug in details[second.slug] and "Draft" in details[second.slug]
