"""Subject access: an admin downloads everything held about a customer as JSON."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from survey_app.purchases.models import Purchase

from .helpers import answer_by_link


def test_an_admin_downloads_a_customers_data_without_link_secrets(client, db, login, make_survey, make_customer,
                                                                   make_invitation):
    survey = make_survey("exit")
    customer = make_customer(locale="pl", name="Łucja Żak", ref="PL/42 ż")
    invitation, token = make_invitation(survey, customer=customer)
    other_customer = make_customer(name="Somebody Else")
    _inv, other_token = make_invitation(survey, customer=other_customer)
    answer_by_link(client, token, survey, main_reason="moved", free_text="Przeprowadzam się do Gdańska")
    answer_by_link(client, other_token, survey, main_reason="moved", free_text="Not hers")
    with db() as session:
        session.add(Purchase(customer_id=customer.id, day=date(2026, 3, 1), amount=Decimal("120.50"),
                             order_ref="ORD-1"))
    login("admin", locale="pl")
    page = client.get(f"/staff/customers/{customer.id}")
    assert f"/staff/customers/{customer.id}/export.json" in page.text and "Eksportuj dane (JSON)" in page.text

    download = client.get(f"/staff/customers/{customer.id}/export.json")
    assert download.status_code == 200 and download.mimetype == "application/json"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="customer-PL-42-') and disposition.endswith('.json"')
    data = json.loads(download.text)
    assert data["customer"]["name"] == "Łucja Żak" and data["customer"]["email"] == customer.email
    assert data["purchases"] == [{**data["purchases"][0], "day": "2026-03-01", "amount": "120.50",
                                  "order_ref": "ORD-1"}]
    [sent] = data["invitations"]
    assert sent["survey"] == survey.slug and sent["state"] == "answered" and "token_hash" not in sent
    [response] = data["responses"]
    assert "view_token_hash" not in response and "submission_key" not in response
    texts = [a["text"] for a in response["answers"] if a["text"]]
    assert texts == ["Przeprowadzam się do Gdańska"]
    assert [a["reason_code"] for a in response["answers"] if a["reason_code"]] == ["moved"]
    assert data["follow_ups"] == [] and data["winback_cases"] == []
    assert token not in download.text and "Not hers" not in download.text


@pytest.mark.parametrize("role", ["analyst", "interviewer"])
def test_only_admins_export_customers(client, login, make_customer, role):
    customer = make_customer()
    login(role)
    assert client.get(f"/staff/customers/{customer.id}/export.json").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, make_customer):
    customer = make_customer()
    response = client.get(f"/staff/customers/{customer.id}/export.json")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_an_unknown_customer_is_404(client, login):
    login("admin")
    assert client.get("/staff/customers/99999/export.json").status_code == 404
