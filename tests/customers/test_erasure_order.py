"""Erasing a customer gives the same result whatever order the features' receivers of ``customer_erasing`` run in
(blinker keeps them in a set: the order changes from one process to the next)."""
from __future__ import annotations

import pytest

from survey_app.responses.models import Response
from survey_app.signals import customer_erasing
from tests.retention.helpers import answer_by_link


@pytest.fixture(params=["sorted", "reversed"])
def receiver_order(request, monkeypatch):
    """Run the receivers in a known order: sorted by module, then reversed."""
    ordered = sorted(customer_erasing.receivers_for(None), key=lambda receiver: receiver.__module__)
    if request.param == "reversed":
        ordered.reverse()
    monkeypatch.setattr(customer_erasing, "receivers_for", lambda _sender: iter(ordered))  # what ``send`` calls
    return request.param


def test_every_response_of_an_erased_customer_is_kept_anonymously(client, db, login, make_survey, make_customer,
                                                                   make_invitation, receiver_order):
    survey, anonymous = make_survey("exit"), make_survey("exit", anonymous=True)
    customer = make_customer()
    _inv, token = make_invitation(survey, customer=customer)
    _inv, anonymous_token = make_invitation(anonymous, customer=customer)
    ids = [answer_by_link(client, token, survey), answer_by_link(client, anonymous_token, anonymous)]
    login("admin")
    erased = client.post(f"/staff/customers/{customer.id}/erase", follow_redirects=True)
    assert "Customer erased; 2 responses kept anonymously." in erased.text
    with db() as session:
        for response_id in ids:
            response = session.get(Response, response_id)
            assert (response.customer_id, response.invitation_id) == (None, None)
            assert response.anonymised_at is not None
