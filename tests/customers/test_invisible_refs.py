"""A customer reference that is nothing once control characters and bidirectional marks are removed (what every
reference is cleaned of) is refused wherever a reference is typed or signed: never a customer with an empty
reference, which the answers of unrelated links would then share."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.customers.models import Customer
from survey_app.responses.models import Response
from survey_app.surveys.models import LinkFallback
from tests.customers.test_views import new_customer
from tests.responses.test_signed_links import SECRET, answer, link

#: References that :func:`survey_app.text.one_line` turns into nothing.
INVISIBLE = ["\u202e", "\x9f", "\u2066\u2069", "\x85\u200e"]


def _customers(db) -> list[str]:
    with db() as session:
        return list(session.scalars(select(Customer.external_ref)))


@pytest.mark.parametrize("ref", INVISIBLE)
def test_a_signed_link_naming_nobody_visible_is_refused(client, db, make_survey, ref):
    make_survey("exit", slug="exit", signed_links=True, link_secret=SECRET, link_fallback=LinkFallback.REFUSE)
    assert client.get(link(ref=ref)).status_code == 403
    with db() as session:
        assert session.scalars(select(Response)).all() == []
    assert _customers(db) == []


def test_two_links_with_invisible_references_never_share_a_customer(client, db, make_survey):
    survey = make_survey("exit", slug="exit", signed_links=True, link_secret=SECRET,
                         link_fallback=LinkFallback.ANONYMOUS)
    for ref in INVISIBLE[:2]:
        page, sent = answer(client, survey, link(ref=ref))
        assert sent.status_code == 303
    with db() as session:
        assert [r.customer_id for r in session.scalars(select(Response))] == [None, None]
    assert _customers(db) == []


@pytest.mark.parametrize("ref", INVISIBLE)
def test_the_link_maker_refuses_an_invisible_reference(client, login, make_survey, ref):
    make_survey("exit", slug="exit", signed_links=True, link_secret=SECRET)
    login("admin")
    page = client.post("/staff/surveys/exit/signed-links/try", data={"ref": ref, "lang": "en", "valid": "7d"})
    assert page.status_code == 400 and 'id="made-link"' not in page.text


@pytest.mark.parametrize("ref", INVISIBLE)
def test_the_customer_form_refuses_an_invisible_reference_and_keeps_what_was_typed(client, db, login, ref):
    login("admin")
    page = client.post("/staff/customers/new", data=new_customer(external_ref=ref))
    assert page.status_code == 400
    assert "Łukasz Wiśniewski" in page.text
    assert _customers(db) == []
