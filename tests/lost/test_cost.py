"""What the loss costs: tenure bands, three years ahead and the what-if line, from the hand-computed team."""
from datetime import date
from decimal import Decimal

import pytest

from survey_app.lost.cost import loss_cost
from survey_app.lost.cost_rules import tenure_band, what_if
from tests.lost.test_report import team  # noqa: F401  (the fixture)

D = date.fromisoformat


@pytest.mark.parametrize("since, band", [(None, "unknown"), ("2026-01-01", "<1"), ("2025-06-02", "<1"),
                                         ("2025-05-31", "1-2"), ("2024-05-01", "2-5"), ("2021-06-02", "2-5"),
                                         ("2021-05-31", "5+")])
def test_tenure_bands(since, band):
    assert tenure_band(D(since) if since else None, D("2026-06-01")) == band


def test_what_if_keeps_the_average_lost_customer_per_point_and_splits_by_who_caused_it():
    result = what_if(customers=200, lost=20, lost_revenue=Decimal("50000"), points=5, controllable=0.82)
    assert (result.customers_kept, result.revenue_kept) == (10.0, Decimal("25000.00"))
    assert (result.company_caused, result.other) == (Decimal("20500.00"), Decimal("4500.00"))
    assert what_if(200, 4, Decimal("1000"), 5, 0.5).customers_kept == 4  # never more than were lost
    assert what_if(0, 0, Decimal(0), 5, 0.5).revenue_kept == 0


def test_the_cost_of_the_teams_losses_matches_the_hand_computed_figures(app, team):  # noqa: F811
    with app.app_context():
        cost = loss_cost(D("2026-01-01"), D("2026-06-30"), points=5)
    assert (cost.customers, cost.lost, cost.lost_revenue) == (6, 3, Decimal("1420.00"))
    assert cost.bands == {"<1": (1, Decimal("70.00")), "1-2": (1, Decimal("150.00")), "2-5": (0, Decimal("0.00")),
                          "5+": (0, Decimal("0.00")), "unknown": (1, Decimal("1200.00"))}
    assert cost.years_ahead == Decimal("4260.00")
    assert (cost.controllable, cost.controllable_from_answers) == (0.5, True)  # one competitor, one dissatisfied
    assert (cost.what_if.customers_kept, cost.what_if.revenue_kept) == (0.3, Decimal("142.00"))
    assert (cost.what_if.company_caused, cost.what_if.other) == (Decimal("71.00"), Decimal("71.00"))


def test_without_exit_answers_the_benchmark_gives_the_companys_share(app, make_customer):
    make_customer(status="lost", lost_at=D("2026-03-01"), annual_revenue=Decimal("1000"))
    with app.app_context():
        cost = loss_cost(D("2026-01-01"), D("2026-06-30"))
    assert cost.controllable_from_answers is False and cost.controllable == pytest.approx(0.82)


def test_the_page_shows_the_cost_and_the_what_if_line_for_the_points_chosen(client, login, team):  # noqa: F811
    login("analyst")
    page = client.get("/staff/reports/lost/?period=quarter&since=2026-01-01&until=2026-06-30&points=10").text
    assert "What the loss costs" in page and "3 of the 6 customers" in page and "€4,260" in page
    assert "Had 10 fewer of every hundred customers been lost, 0.6 customers and €284 a year" in page
    assert "€142 of it from losses the company caused, €142 from the others" in page


@pytest.mark.parametrize("points", ["abc", "-1", "101"])
def test_a_bad_number_of_points_is_a_400(client, login, points):
    login("analyst")
    assert client.get(f"/staff/reports/lost/?points={points}").status_code == 400
