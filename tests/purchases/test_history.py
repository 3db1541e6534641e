"""A customer's page: details, purchase figures, the latest purchases and a monthly chart."""
from datetime import date, timedelta
from decimal import Decimal

from survey_app.dbtypes import utcnow
from survey_app.extensions import db as _db
from survey_app.purchases.models import Purchase
from survey_app.purchases.services import monthly_totals, purchase_history


def add_purchases(app, customer, *rows):
    with app.app_context():
        _db.session.add_all(Purchase(customer_id=customer.id, day=day, amount=Decimal(amount), order_ref=ref,
                                     created_at=utcnow()) for day, amount, ref in rows)
        _db.session.commit()


def test_history_counts_every_purchase_and_the_last_twelve_months(app, make_customer):
    customer = make_customer("fr")
    add_purchases(app, customer, (date(2025, 1, 10), "100", "A"), (date(2025, 4, 10), "50.50", None),
                  (date(2025, 7, 9), "70", None), (date(2025, 10, 8), "30", "B"), (date(2024, 12, 1), "5", None))
    with app.app_context():
        history = purchase_history(customer.id, as_of=date(2025, 12, 31))
        months = monthly_totals(customer.id, date(2025, 12, 31), months=12)
    assert (history.count, history.total) == (5, Decimal("255.50"))
    assert (history.first, history.last) == (date(2024, 12, 1), date(2025, 10, 8))
    assert history.usual_interval == 90  # gaps 40, 90, 90, 91
    assert history.revenue_12m == Decimal("250.50")  # 2024-12-01 is more than a year before
    assert [p.order_ref for p in history.latest] == ["B", None, None, "A", None]
    assert months[0] == (date(2025, 1, 1), Decimal("100")) and months[-1] == (date(2025, 12, 1), Decimal(0))
    assert len(months) == 12 and sum(amount for _m, amount in months) == Decimal("250.50")


def test_the_customer_page_shows_the_purchases_in_the_viewers_language(client, login, app, make_customer):
    customer = make_customer("pl", name="Piekarnia Kłos")
    today = utcnow().date()
    add_purchases(app, customer, *[(today - timedelta(days=30 * i), "120", f"FV-{i}") for i in range(6)])
    login("admin", locale="pl")
    page = client.get(f"/staff/customers/{customer.id}")
    assert page.status_code == 200
    assert "Piekarnia Kłos" in page.text and "FV-0" in page.text and "30 dni" in page.text, page.text[-2500:]
    assert f'src="/staff/purchases/customer/{customer.id}.png"' in page.text
    chart = client.get(f"/staff/purchases/customer/{customer.id}.png")
    assert chart.status_code == 200 and chart.mimetype == "image/png" and chart.data[:4] == b"\x89PNG"


def test_a_customer_without_purchases_is_told_so(client, login, make_customer):
    customer = make_customer()
    login("admin")
    page = client.get(f"/staff/customers/{customer.id}")
    assert page.status_code == 200 and "No purchases recorded." in page.text


def test_pages_of_a_customer_who_does_not_exist_are_404(client, login):
    login("admin")
    assert client.get("/staff/customers/999999").status_code == 404
    assert client.get("/staff/purchases/customer/999999.png").status_code == 404


def test_only_admins_see_customer_pages(client, login, make_customer):
    customer = make_customer()
    login("analyst")
    assert client.get(f"/staff/customers/{customer.id}").status_code == 403
    assert client.get(f"/staff/purchases/customer/{customer.id}.png").status_code == 403
