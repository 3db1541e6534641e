"""The lost-customer ratio per manager and period, from a hand-computed table; the command, the page, the chart and
the exports."""
import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from survey_app.customers.models import CustomerStatus
from survey_app.dbtypes import utcnow
from survey_app.extensions import db as _db
from survey_app.lost.periods import default_since, period_label, periods
from survey_app.lost.report import lost_ratio
from survey_app.purchases.models import Purchase
from survey_app.responses.models import Answer, Channel, Response

D = date.fromisoformat


def answered_exit(app, survey, customer, bucket: str) -> None:
    """Store an exit response of ``customer`` whose main reason falls in ``bucket``."""
    with app.app_context():
        survey = _db.session.merge(survey)
        response = Response(survey_id=survey.id, customer_id=customer.id, locale="en", channel=Channel.INTERVIEW)
        _db.session.add(response)
        _db.session.flush()
        _db.session.add(Answer(response_id=response.id, question_id=survey.questions[0].id, text="x", bucket=bucket,
                               is_primary=True))
        _db.session.commit()


@pytest.fixture
def team(app, make_user, make_customer, make_survey):
    """Two managers and customers whose figures for 2026-Q1 and 2026-Q2 are worked out by hand below."""
    a, b = make_user("admin", email="anna@example.com"), make_user("analyst", email="boris@example.com")
    lost = CustomerStatus.LOST
    people = {
        "A1": dict(account_manager_id=a.id, customer_since=D("2025-01-01")),
        "A2": dict(account_manager_id=a.id, customer_since=D("2025-01-01"), status=lost, lost_at=D("2026-03-31")),
        "A3": dict(account_manager_id=a.id, customer_since=D("2025-06-01"), status=lost, lost_at=D("2026-04-01")),
        "A4": dict(account_manager_id=a.id, customer_since=D("2026-02-01")),
        "B1": dict(account_manager_id=b.id, status=lost, lost_at=D("2025-12-31")),
        "B2": dict(account_manager_id=b.id, status=CustomerStatus.RETURNED, lost_at=D("2025-11-01"),
                   returned_at=D("2026-01-01")),
        "B3": dict(account_manager_id=b.id),
        "N1": dict(status=lost, lost_at=D("2026-05-15"), annual_revenue=Decimal("1200")),
    }
    customers = {ref: make_customer(ref=ref, **fields) for ref, fields in people.items()}
    with app.app_context():
        for ref, day, amount in [("A2", "2025-03-30", "999"),   # more than 365 days before 31 March 2026
                                 ("A2", "2025-04-01", "100"), ("A2", "2026-03-31", "50"),
                                 ("A3", "2026-01-15", "70"), ("A3", "2026-04-02", "5")]:  # after the lost date
            _db.session.add(Purchase(customer_id=customers[ref].id, day=D(day), amount=Decimal(amount),
                                     created_at=utcnow()))
        _db.session.commit()
    exit_survey = make_survey("exit")
    answered_exit(app, exit_survey, customers["A2"], "competitor")
    answered_exit(app, exit_survey, customers["N1"], "dissatisfaction")
    answered_exit(app, exit_survey, customers["A1"], "indifference")  # still a customer: not counted
    return a, b


EXPECTED = {
    "2026-Q1": {"anna@example.com": (3, 1, 33.33, 150.0), "boris@example.com": (2, 0, 0.0, 0.0),
                None: (1, 0, 0.0, 0.0), "total": (6, 1, 16.67, 150.0)},
    "2026-Q2": {"anna@example.com": (3, 1, 33.33, 70.0), "boris@example.com": (2, 0, 0.0, 0.0),
                None: (1, 1, 100.0, 1200.0), "total": (6, 2, 33.33, 1270.0)},
}


def figures(period: dict) -> dict:
    rows = {row["manager"]: row for row in period["managers"]}
    rows["total"] = period["total"]
    return {k: (r["customers"], r["lost"], r["ratio"], r["lost_revenue"]) for k, r in rows.items()}


def test_the_ratio_per_manager_and_quarter_matches_the_hand_computed_table(app, team):
    with app.app_context():
        report = lost_ratio("quarter", D("2026-01-01"), D("2026-06-30"))
    assert [p.label for p in report.periods] == ["2026-Q1", "2026-Q2"]
    assert {p.label: figures(p.as_dict()) for p in report.periods} == EXPECTED
    a, _b = team
    assert report.reasons == {a.id: {"competitor": 1}, None: {"dissatisfaction": 1}}


def test_a_customer_lost_on_the_last_day_of_a_quarter_counts_in_that_quarter_by_month_too(app, team):
    with app.app_context():
        report = lost_ratio("month", D("2026-03-01"), D("2026-04-30"))
    march, april = (figures(p.as_dict()) for p in report.periods)
    assert march["anna@example.com"][:2] == (4, 1)  # A4 began in February
    assert april["anna@example.com"][:2] == (3, 1)  # A2, lost on 31 March, is no longer counted


def test_the_command_prints_the_periods_as_json(app, runner, team):
    result = runner.invoke(args=["reports", "lost-ratio", "--period", "quarter", "--since", "2026-01-01",
                                 "--until", "2026-06-30", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {p["period"]: figures(p) for p in data["periods"]} == EXPECTED
    text = runner.invoke(args=["reports", "lost-ratio", "--since", "2026-01-01", "--until", "2026-03-31"]).output
    assert "2026-Q1\tanna@example.com\t3\t1\t33.3 %\t150.00" in text
    bad = runner.invoke(args=["reports", "lost-ratio", "--since", "2026-07-01", "--until", "2026-01-01"])
    assert bad.exit_code == 2


def test_figures_are_the_same_on_every_database(app, team):
    # Run on SQLite and on PostgreSQL by CI: the hand-computed table is the one truth for both.
    with app.app_context():
        report = lost_ratio("year", D("2025-01-01"), D("2026-12-31"))
    year = {p.label: figures(p.as_dict()) for p in report.periods}
    assert year["2025"]["total"][:2] == (6, 2)  # A3 and A4 began later; B1 and B2 were lost in 2025
    assert year["2026"]["total"][:3] == (6, 3, 50.0)


def test_the_page_shows_the_table_the_chart_and_the_reasons_in_the_viewers_language(client, login, team):
    login("analyst", locale="fr")
    page = client.get("/staff/reports/lost/?period=quarter&since=2026-01-01&until=2026-06-30")
    assert page.status_code == 200, page.text[:500]
    assert "Clients perdus" in page.text and "anna@example.com" in page.text and "2026-Q2" in page.text
    assert "Pourquoi ils sont partis" in page.text
    assert "src=\"/staff/reports/lost/chart.png?period=quarter&amp;since=2026-01-01&amp;until=2026-06-30\"" in page.text
    chart = client.get("/staff/reports/lost/chart.png?period=year&since=2025-01-01")
    assert chart.status_code == 200 and chart.data[:4] == b"\x89PNG"


def test_the_exports_hold_one_row_per_period_and_manager_and_the_total(client, login, team):
    login("analyst")
    csv_text = client.get("/staff/reports/lost/export.csv?period=quarter&since=2026-01-01&until=2026-06-30")
    lines = list(csv.reader(io.StringIO(csv_text.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0][:3] == ["Period", "Account manager", "Customers at the start"]
    assert ["2026-Q2", "No account manager", "1", "1", "100.0", "1200.0"] in lines and len(lines) == 1 + 2 * 4
    xlsx = client.get("/staff/reports/lost/export.xlsx?period=quarter&since=2026-01-01&until=2026-06-30")
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.values)
    assert rows[-1] == ("2026-Q2", "All managers", 6, 2, 33.33, 1270.0)


@pytest.mark.parametrize("query", ["period=decade", "since=2026-13-01", "since=2026-07-01&until=2026-01-01"])
def test_a_bad_filter_is_a_translated_400(client, login, query):
    login("analyst", locale="pl")
    page = client.get(f"/staff/reports/lost/?{query}")
    assert page.status_code == 400 and "<html lang=\"pl\"" in page.text


def test_interviewers_do_not_see_the_report(client, login):
    login("interviewer")
    assert client.get("/staff/reports/lost/").status_code == 403


def test_periods_and_labels():
    assert periods(D("2026-02-15"), D("2026-05-01"), "quarter") == [(D("2026-01-01"), D("2026-04-01")),
                                                                   (D("2026-04-01"), D("2026-07-01"))]
    assert [period_label(s, "month") for s, _e in periods(D("2025-12-31"), D("2026-01-01"), "month")] == \
        ["2025-12", "2026-01"]
    assert default_since("month", D("2026-12-01")) == D("2026-01-01")
    assert default_since("quarter", D("2026-12-01")) == D("2025-01-01")
    assert default_since("year", D("2026-12-01")) == D("2024-01-01")


def test_the_page_is_kept_until_customers_or_purchases_change(app, client, login, team, make_customer):
    login("analyst")
    url = "/staff/reports/lost/export.csv?period=year&since=2026-01-01&until=2026-12-31"
    first = client.get(url).get_data(as_text=True)
    assert "2026,All managers,6,3," in first.replace('"', "")
    make_customer(ref="NEW", customer_since=D("2025-01-01"))  # a new customer is announced like any other change
    runner = app.test_cli_runner()
    csv_path = app.instance_path + "/late.csv"
    with open(csv_path, "w", encoding="utf-8") as fh:
        fh.write("external_ref,status,lost_at\nNEW,lost,2026-08-01\n")
    assert runner.invoke(args=["customers", "import", csv_path]).exit_code == 0
    assert "2026,All managers,7,4," in client.get(url).get_data(as_text=True).replace('"', "")
