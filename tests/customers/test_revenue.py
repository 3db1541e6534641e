"""Annual revenue (issue 10, item 8): the customer form reads amounts as the CSV import does (finite, 0 ≤ x < 10¹²,
decimal comma accepted), and reports never divide by or show a number that is not finite."""
from __future__ import annotations

import math
from decimal import Decimal

import pytest
from sqlalchemy import text, update

from survey_app.customers.models import Customer
from survey_app.reports.stats import weighted
from tests.customers.test_views import customers, new_customer


@pytest.mark.parametrize("typed", ["Infinity", "-Infinity", "inf", "NaN", "sNaN", "1e20", "1e12", "1000000000000",
                                   "-1", "-0.01", "12,34,56.7.8", "abc", "1 2 3 €"])
def test_the_customer_form_refuses_amounts_the_import_refuses(client, db, login, typed):
    login("admin", locale="pl")
    page = client.post("/staff/customers/new", data=new_customer(annual_revenue=typed))
    assert page.status_code == 400
    assert f'value="{typed}"' in page.text, "what was typed is shown again"
    assert "od 0 do" in page.text, "the translated rule is shown"
    assert customers(db) == []


@pytest.mark.parametrize("typed, stored", [
    ("12 345,50", Decimal("12345.50")), ("12345.50", Decimal("12345.50")), ("12,345.50", Decimal("12345.50")),
    ("12.345,50", Decimal("12345.50")), ("0", Decimal("0.00")), ("999999999999.99", Decimal("999999999999.99")),
    ("1e3", Decimal("1000.00")), ("  7,5 ", Decimal("7.50")),
])
def test_the_customer_form_reads_amounts_as_the_import_does(client, db, login, typed, stored):
    login("admin")
    assert client.post("/staff/customers/new", data=new_customer(annual_revenue=typed)).status_code == 302
    [customer] = customers(db)
    assert customer.annual_revenue == stored


def test_editing_a_customer_refuses_infinity_and_keeps_the_other_fields(client, db, login, make_customer):
    login("admin", locale="fr")
    made = make_customer(name="Zofia", annual_revenue=Decimal("10"))
    page = client.post(f"/staff/customers/{made.id}/edit",
                       data=new_customer(external_ref=made.external_ref, name="Zofia Nowak", annual_revenue="Infinity"))
    assert page.status_code == 400
    assert 'value="Zofia Nowak"' in page.text and 'value="Infinity"' in page.text
    [customer] = customers(db)
    assert customer.name == "Zofia" and customer.annual_revenue == Decimal("10.00")


def test_the_edit_form_shows_a_stored_amount_so_it_can_be_sent_back(client, db, login, make_customer):
    login("admin")
    made = make_customer(annual_revenue=Decimal("12345.5"))
    page = client.get(f"/staff/customers/{made.id}/edit")
    assert 'value="12345.50"' in page.text
    form = new_customer(external_ref=made.external_ref, annual_revenue="12345.50")
    assert client.post(f"/staff/customers/{made.id}/edit", data=form).status_code == 302


def test_weighted_shares_ignore_amounts_that_are_not_finite():
    data = weighted({"indifference": math.inf, "competitor": 100.0, "moved": 5.0, "circumstances": math.nan,
                     "dissatisfaction": -math.inf, "relationship": -100.0, "unclassified": math.inf}, {})
    assert data.total == 100.0
    assert data.shares["competitor"] == 1.0
    assert all(math.isfinite(v) for v in [*data.amounts.values(), *data.shares.values(), *data.group_amounts.values(),
                                          *data.group_shares.values(), data.total, data.unclassified])


def test_money_and_percent_never_show_infinity_or_nan(app):
    from survey_app.reports.services import money, percent

    with app.test_request_context():
        for value in (math.inf, -math.inf, math.nan):
            assert "∞" not in money(value) and "NaN" not in money(value)
            assert "∞" not in percent(value) and "NaN" not in percent(value)


def _store_revenue(db, customer_id: int, amount: str) -> None:
    """Write an amount as an older version of the form could have stored it (bypassing the form)."""
    with db() as session:
        if session.get_bind().dialect.name == "sqlite":
            session.execute(text("UPDATE customer SET annual_revenue = :a WHERE id = :i"),
                            {"a": float(amount), "i": customer_id})
        else:  # PostgreSQL refuses non-finite amounts in numeric(14, 2); a negative one fits
            session.execute(update(Customer).where(Customer.id == customer_id).values(annual_revenue=Decimal(amount)))


@pytest.mark.parametrize("stored", ["inf", "-inf", "1e20", "-5"])
def test_reports_survive_an_impossible_stored_revenue(app, client, login, db, make_survey, make_customer, stored):
    from tests.reports.conftest import new_response

    survey = make_survey("exit", slug="exit")
    rich, normal = make_customer(), make_customer(annual_revenue=Decimal("1000"))
    if stored in ("inf", "-inf", "1e20") and not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("PostgreSQL cannot hold this amount in numeric(14, 2)")
    _store_revenue(db, rich.id, stored)
    with db() as session:
        session.add_all([new_response(survey, "indifference", customer=rich.id) for _ in range(20)]
                        + [new_response(survey, "competitor", customer=normal.id) for _ in range(20)])
    login("analyst")
    page = client.get("/staff/reports/?weight=revenue")
    assert page.status_code == 200
    table = page.text.split('id="table-revenue"')[1].split("</table>")[0]
    assert "∞" not in table and "NaN" not in table and "inf" not in table.lower()
    assert "€20,000</td><td class=\"num\">100%" in table, "the impossible amount counts for nothing"
    assert "20 classified answers have no known revenue" in page.text
    chart = client.get("/staff/reports/chart/revenue.png")
    assert chart.status_code == 200 and chart.mimetype == "image/png"
    export = client.get("/staff/reports/export/revenue.csv")
    assert export.status_code == 200 and "inf" not in export.text.lower() and "nan" not in export.text.lower()


def test_charts_draw_zero_in_place_of_a_number_that_is_not_finite():
    from survey_app.reports import charts

    png = charts.amount_bars("Revenue", ["a", "b", "c"], [math.inf, math.nan, 10.0], lambda v: f"{v:.0f}", "EUR")
    assert png.startswith(b"\x89PNG")
    png = charts.paired_bars("Shares", ["a", "b"], [math.nan, 0.5], [0.2, math.inf], ("x", "y"), "%")
    assert png.startswith(b"\x89PNG")
