"""Staff customer pages (/staff/customers)."""
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from survey_app.customers.models import Customer, CustomerStatus


def new_customer(**changes) -> dict:
    data = {"external_ref": "CRM-0042", "name": "Łukasz Wiśniewski Sp. z o.o.", "email": "lukasz@example.pl",
            "locale": "pl", "segment": "SMB", "status": "lost", "lost_at": "2026-03-15",
            "annual_revenue": "12500.50"}
    data.update(changes)
    return data


def customers(db) -> list[Customer]:
    with db() as session:
        return session.scalars(select(Customer).order_by(Customer.external_ref)).all()


def test_admin_adds_a_customer_and_finds_it_in_the_list(client, db, login):
    login("admin")
    assert client.get("/staff/customers/new").status_code == 200
    added = client.post("/staff/customers/new", data=new_customer())
    assert added.status_code == 302
    assert added.headers["Location"].startswith("/staff/customers/?q=CRM-0042")

    [customer] = customers(db)
    assert (customer.external_ref, customer.name, customer.email, customer.locale, customer.segment) == (
        "CRM-0042", "Łukasz Wiśniewski Sp. z o.o.", "lukasz@example.pl", "pl", "SMB")
    assert customer.status == CustomerStatus.LOST
    assert customer.lost_at == date(2026, 3, 15)
    assert customer.annual_revenue == Decimal("12500.50")

    listed = client.get(added.headers["Location"])
    assert listed.status_code == 200
    assert "Łukasz Wiśniewski Sp. z o.o." in listed.text and "lukasz@example.pl" in listed.text


def test_optional_fields_may_be_left_empty(client, db, login):
    login("admin")
    added = client.post("/staff/customers/new", data=new_customer(email="", segment="", lost_at="",
                                                                  annual_revenue="", status="active"))
    assert added.status_code == 302
    [customer] = customers(db)
    assert customer.email is None and customer.segment is None
    assert customer.lost_at is None and customer.annual_revenue is None
    assert customer.status == CustomerStatus.ACTIVE


def test_invalid_email_is_refused_and_the_typed_name_kept(client, db, login):
    login("admin")
    page = client.post("/staff/customers/new", data=new_customer(email="not-an-email", name="Анна Петрова"))
    assert page.status_code == 400
    assert 'value="Анна Петрова"' in page.text
    assert 'value="not-an-email"' in page.text
    assert 'class="errors"' in page.text
    assert customers(db) == []


def test_negative_revenue_is_refused(client, db, login):
    login("admin")
    assert client.post("/staff/customers/new", data=new_customer(annual_revenue="-5")).status_code == 400
    assert customers(db) == []


def test_duplicate_reference_is_refused_with_an_error(client, db, login, make_customer):
    make_customer(ref="CRM-0042", name="First Customer")
    login("admin")
    page = client.post("/staff/customers/new", data=new_customer(name="Second Customer"))
    assert page.status_code == 400
    assert 'class="errors"' in page.text
    assert 'value="Second Customer"' in page.text
    assert [c.name for c in customers(db)] == ["First Customer"]


def test_search_finds_by_reference_name_or_email(client, login, make_customer):
    make_customer(ref="CRM-1001", name="Boulangerie Dupont", locale="fr")
    make_customer(ref="CRM-2002", name="Acme Retail")
    login("admin")
    for q in ("CRM-1001", "dupont", "BOULANGERIE"):
        page = client.get("/staff/customers/", query_string={"q": q})
        assert page.status_code == 200
        assert "Boulangerie Dupont" in page.text and "Acme Retail" not in page.text, q
    everyone = client.get("/staff/customers/")
    assert "Boulangerie Dupont" in everyone.text and "Acme Retail" in everyone.text
    nobody = client.get("/staff/customers/", query_string={"q": "nobody-matches-this"})
    assert nobody.status_code == 200
    assert "Boulangerie Dupont" not in nobody.text and "Acme Retail" not in nobody.text


def test_analyst_is_refused_the_customer_pages(client, db, login):
    login("analyst")
    assert client.get("/staff/customers/").status_code == 403
    assert client.post("/staff/customers/new", data=new_customer()).status_code == 403
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 0


def test_admin_filters_edits_and_erases_a_customer_keeping_answers(client, db, login, make_customer, make_survey,
                                                                   make_invitation):
    from sqlalchemy import func, select

    from survey_app.customers.models import Customer
    from survey_app.responses.models import Response
    from tests.conftest import answer_data

    survey = make_survey("exit")
    kept = make_customer(locale="pl", name="Łukasz Żółkowski", segment="SMB", status="lost")
    make_customer(locale="ru", name="Иван", segment="Retail")
    _invitation, token = make_invitation(survey, customer=kept)
    client.post(f"/s/{token}", data=answer_data(survey, main_reason="moved"))
    login("admin")
    listing = client.get("/staff/customers/?status=lost&locale=pl").text
    assert "Łukasz Żółkowski" in listing and "Иван" not in listing
    edit_url = f"/staff/customers/{kept.id}/edit"
    assert client.get(edit_url).status_code == 200
    saved = client.post(edit_url, data={"external_ref": kept.external_ref, "name": "Łukasz Ż.", "email": "l@example.pl",
                                        "locale": "pl", "status": "lost"})
    assert saved.status_code == 302
    bad = client.post(edit_url, data={"external_ref": kept.external_ref, "name": "Typed name", "email": "nope",
                                      "locale": "pl", "status": "lost"})
    assert bad.status_code == 400 and "Typed name" in bad.text
    assert client.post(f"/staff/customers/{kept.id}/erase").status_code == 302
    with db() as session:
        assert session.get(Customer, kept.id) is None
        assert session.scalar(select(func.count()).select_from(Response).where(Response.customer_id.is_(None))) == 1
