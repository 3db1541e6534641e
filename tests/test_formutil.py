"""Dates typed into staff forms lie between 1900 and 2999, as dates in URLs do (issue 10, item 9: dates out of
range are typing mistakes, refused with a translated message that keeps what was typed)."""
from __future__ import annotations

import pytest

from tests.customers.test_views import customers, new_customer


@pytest.mark.parametrize("typed", ["9999-12-31", "1899-12-31", "0001-01-01", "3000-01-01"])
def test_a_customer_lost_on_a_date_out_of_range_is_refused(client, db, login, typed):
    login("admin", locale="ru")
    page = client.post("/staff/customers/new", data=new_customer(lost_at=typed))
    assert page.status_code == 400
    assert f'value="{typed}"' in page.text
    assert "Укажите дату" in page.text
    assert customers(db) == []


@pytest.mark.parametrize("typed", ["1900-01-01", "2999-12-31"])
def test_the_first_and_last_accepted_days(client, db, login, typed):
    login("admin")
    assert client.post("/staff/customers/new", data=new_customer(lost_at=typed)).status_code == 302


def test_recipients_lost_since_a_date_out_of_range_are_refused(client, login, make_survey):
    survey = make_survey("exit")
    login("admin", locale="fr")
    page = client.post(f"/staff/surveys/{survey.slug}/invitations/recipients",
                       data={"status": "lost", "lost_since": "0001-01-01", "action": "preview"})
    assert page.status_code == 400
    assert "Indiquez une date" in page.text


def test_a_survey_opening_in_year_9999_is_refused(client, login, make_survey):
    survey = make_survey("exit", state="draft")
    login("admin", locale="pl")
    page = client.post(f"/staff/surveys/{survey.slug}/settings", data={
        "slug": survey.slug, "default_locale": "en", "opens_at": "9999-12-31T10:00", "closes_at": "",
        "reason_codes": ["moved"]})
    assert page.status_code == 400
    assert "Podaj datę" in page.text and 'value="9999-12-31T10:00"' in page.text
