"""What staff believe next to what customers say: the dashboard section, its chart, export and CLI; and staff answers
never counted among customers' causes."""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from html import unescape

import pytest

from survey_app.lost.report import lost_reasons
from tests.conftest import app_db
from tests.reports.conftest import new_customer, new_response
from tests.reports.test_exports import download

PNG = b"\x89PNG\r\n\x1a\n"


def _section(page: str) -> str:
    return unescape(re.search(r'<section aria-labelledby="h-beliefs">.*?</section>', page, re.S).group(0))


def test_dashboard_shows_the_three_way_comparison_and_the_largest_misperception(analyst, big_dataset):
    section = _section(analyst.get("/staff/reports/").text)
    # Staff 6 of 12 competitor (50 %), departed customers 6 of 40 (15 %): 35 points, the largest gap.
    assert ("The largest misperception: staff think 50% of customers leave because of competitors; departed "
            "customers say only 15%.") in section
    assert "/staff/reports/chart/beliefs.png" in section
    row = re.search(r'<th scope="row">Competitor</th>(.*?)</tr>', section, re.S).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells == ["6 (50%, 25%–75%)", "8 (22%, 12%–38%)", "6 (15%, 7%–29%)"]
    assert re.search(r"do not differ clearly \(p = 0\.\d{3}\)|differ \(p [=<] 0\.\d{3}\)", section)


def test_sentence_follows_the_language_and_says_when_staff_underestimate(analyst, make_survey, respond):
    departed, team = make_survey("exit"), make_survey("staff")
    respond(departed, "indifference", times=20)
    respond(departed, "competitor", times=6)
    respond(departed, "relationship", times=4)
    respond(team, "indifference", extra=False)
    respond(team, "competitor", times=6, extra=False)
    respond(team, "relationship", times=3, extra=False)
    section = _section(analyst.get("/staff/reports/").text)
    assert ("The largest misperception: staff think only 10% of customers leave because they feel the company "
            "stopped caring about them; departed customers say 67%.") in section
    french = _section(analyst.get("/staff/reports/?lang=fr").text)  # the figures in the viewer's language
    assert re.search(r"only 10\s%[^;]*; departed customers say 67\s%", french) or "10\u00a0%" in french


def test_no_sentence_and_no_chart_with_too_few_staff_answers(analyst, make_survey, respond):
    respond(make_survey("exit"), "indifference", times=30)
    respond(make_survey("staff"), "competitor", times=9, extra=False)
    section = _section(analyst.get("/staff/reports/").text)
    assert "largest misperception" not in section
    assert ("Staff beliefs are compared once staff surveys have at least 10 classified answers and exit or loyalty "
            "surveys at least 30 (classified answers now: staff 9, loyalty 0, exit 30).") in section
    assert analyst.get("/staff/reports/chart/beliefs.png").status_code == 404


@pytest.mark.parametrize("lang", ["pl", "ru"])
def test_beliefs_chart_renders_with_polish_and_cyrillic_labels(analyst, big_dataset, lang, recwarn):
    png = analyst.get(f"/staff/reports/chart/beliefs.png?lang={lang}")
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data.startswith(PNG)
    svg = analyst.get(f"/staff/reports/chart/beliefs.svg?lang={lang}")
    assert svg.status_code == 200 and b"<svg" in svg.data
    # No missing glyphs: matplotlib warns when the font lacks Polish or Cyrillic letters.
    assert not [w for w in recwarn if "missing from font" in str(w.message).lower()]


def test_grouped_bars_draw_polish_and_cyrillic_text(recwarn):
    from survey_app.reports.charts import STAFF_COLOUR, grouped_bars

    labels = ["Obojętność: firma przestała dbać", "Равнодушие: компании стало всё равно"]
    series = [("Co sądzi zespół", [0.2, 0.8], [(0.1, 0.3), (0.7, 0.9)], STAFF_COLOUR),
              ("Что сказали ушедшие клиенты", [0.6, 0.4], [(0.5, 0.7), (0.3, 0.5)], "#1f5fa8")]
    svg = grouped_bars("Przekonania zespołu — убеждения сотрудников", labels, series, "Udział (%)", fmt="svg")
    png = grouped_bars("Przekonania zespołu — убеждения сотрудников", labels, series, "Udział (%)")
    assert b"<svg" in svg and png.startswith(PNG)
    assert not [w for w in recwarn if "missing from font" in str(w.message).lower()]


def test_beliefs_export_has_three_shares_with_intervals(analyst, big_dataset):
    header, rows = download(analyst, "beliefs", "csv")
    assert header[:3] == ["level", "cause", "label"]
    assert header[3:7] == ["staff_answers", "staff_share", "staff_low_95", "staff_high_95"]
    assert header[-4:] == ["exit_answers", "exit_share", "exit_low_95", "exit_high_95"]
    by_cause = {(row[0], row[1]): row for row in rows}
    assert len(rows) == 8
    competitor = dict(zip(header, by_cause["bucket", "competitor"], strict=True))
    assert competitor["level"] == "bucket" and competitor["staff_answers"] == "6" and competitor["staff_share"] == "0.5"
    assert competitor["exit_share"] == "0.15" and competitor["loyalty_answers"] == "8"
    company = dict(zip(header, by_cause["cause_group", "company"], strict=True))
    assert company["level"] == "cause_group" and company["staff_answers"] == "5" and company["exit_answers"] == "28"


def test_beliefs_cli_prints_shares_p_values_and_the_sentence(runner, big_dataset):
    result = runner.invoke(args=["reports", "beliefs", "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert [out["groups"][name]["n"] for name in ("staff", "loyalty", "exit")] == [12, 36, 40]
    assert out["buckets"]["competitor"]["staff"] == {"count": 6, "share": 0.5, "interval_95": [0.2538, 0.7462]}
    assert set(out["cause_groups"]) == {"company", "competitor", "customer"}
    assert 0 < out["p_value"] < 1 and 0 < out["cause_group_p_value"] < 1
    assert out["misperception"] == {"bucket": "competitor", "staff_share": 0.5, "exit_share": 0.15,
                                    "direction": "over"}
    assert out["sentence"].startswith("The largest misperception: staff think 50%")
    text = runner.invoke(args=["reports", "beliefs", "--format", "text"])
    assert text.exit_code == 0 and "competitor" in text.output
    missing = runner.invoke(args=["reports", "beliefs", "--survey", "nope"])
    assert missing.exit_code != 0 and "no survey with slug 'nope'" in missing.output


def test_a_filter_naming_the_staff_survey_compares_it_with_every_customer_survey(analyst, big_dataset, runner):
    out = json.loads(runner.invoke(args=["reports", "beliefs", "--survey", "staff-big"]).output)
    assert out["groups"]["staff"]["n"] == 12 and out["groups"]["exit"]["n"] == 40
    only_exit = json.loads(runner.invoke(args=["reports", "beliefs", "--survey", "exit-big"]).output)
    assert only_exit["groups"]["staff"]["n"] == 12 and only_exit["groups"]["loyalty"]["n"] == 0


# -- staff answers never count among customers' causes ---------------------------------------------------------

def _customer_figures(analyst, runner, query: str = "") -> dict:
    """Every customer figure a staff answer could leak into: the dashboard's tables, every chart export but the
    belief comparison, the answers export (also by week) and the breakdown CLI with revenue."""
    page = analyst.get(f"/staff/reports/{query}").text
    tables = {name: re.search(rf'<table class="table" id="table-{name}">.*?</table>', page, re.S).group(0)
              for name in ("benchmark", "groups", "kinds", "trend", "revenue", "reach")}
    separator = "&" if query else "?"
    exports = {name: download(analyst, name, "csv", query) for name in
               ("answers", "benchmark", "groups", "kinds", "trend", "revenue", "reach")}
    exports["trend-week"] = download(analyst, "trend", "csv", f"{query or '?'}{separator if query else ''}period=week")
    cli = runner.invoke(args=["reports", "breakdown", "--weight", "revenue"])
    assert cli.exit_code == 0, cli.output
    summary = re.search(r"<p>.*?</p>", page, re.S).group(0)
    return {"tables": tables, "exports": exports, "cli": json.loads(cli.output), "summary": summary}


def test_staff_answers_do_not_change_any_customer_figure(app, analyst, runner, big_dataset, make_survey):
    before = _customer_figures(analyst, runner)
    with app_db(app) as session:  # beliefs in every bucket, with and without cause, also by a named customer
        session.add_all([new_response(big_dataset.staff, bucket, at=datetime(2024, month, 3), extra=False,
                                      customer=big_dataset.rich, channel=channel)
                         for bucket, month, channel in (("indifference", 3, "link"), ("competitor", 4, "email"),
                                                        ("circumstances", 5, "interview"), ("unclassified", 5, "link"),
                                                        (None, 4, "link"))])
    make_survey("staff", slug="staff-later")  # a staff survey created after the figures were cached
    after = _customer_figures(analyst, runner)
    assert after == before
    assert after["cli"]["n"] == 76 and after["cli"]["responses"] == 77


def test_a_named_staff_survey_counts_nothing_in_the_customer_report(analyst, big_dataset, runner):
    cli = json.loads(runner.invoke(args=["reports", "breakdown", "--survey", "staff-big"]).output)
    assert cli["n"] == 0 and cli["responses"] == 0
    page = analyst.get("/staff/reports/?survey=staff-big").text
    assert "0 responses" in page
    _header, rows = download(analyst, "answers", "csv", "?survey=staff-big")
    assert rows == []


def test_staff_answers_are_listed_only_on_their_own_survey(analyst, big_dataset):
    everything = analyst.get("/staff/responses").text
    own = analyst.get("/staff/responses?survey=staff-big").text
    assert "staff-big" not in re.sub(r"<select.*?</select>", "", everything, flags=re.S)
    assert own.count("staff-big") > 5


def test_staff_answers_never_count_among_lost_customers_reasons(app, make_survey, respond):
    with app_db(app) as session:
        lost = new_customer(1, status="lost", lost_at=date(2024, 5, 1))
        session.add(lost)
        session.flush()
        lost_id = lost.id
    respond(make_survey("exit"), "indifference", customer=lost_id)
    respond(make_survey("staff"), "competitor", customer=lost_id, extra=False, times=3)
    with app.app_context():
        assert lost_reasons(date(2024, 1, 1), date(2025, 1, 1)) == {None: {"indifference": 1}}
