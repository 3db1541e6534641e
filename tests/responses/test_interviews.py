"""Interviewers record phone exit interviews for customers."""
import re

from sqlalchemy import select

from survey_app.responses.models import Channel, Response
from tests.conftest import answer_data


def test_interviewer_records_an_interview_for_a_customer(client, db, login, make_survey, make_customer):
    survey = make_survey("exit")
    customer = make_customer(locale="pl", name="Łukasz Żółkowski")
    interviewer = login("interviewer", locale="pl")
    page = client.get(f"/staff/surveys/{survey.slug}/interview?customer={customer.external_ref}")
    assert page.status_code == 200 and customer.external_ref in page.text
    assert re.search(r'<option[^>]*selected[^>]*value="pl"|<option[^>]*value="pl"[^>]*selected', page.text)
    data = answer_data(survey, main_reason="better_offer", free_text="Konkurencja dała 20% rabatu.")
    data.update(customer_ref=customer.external_ref, interview_locale="pl")
    done = client.post(f"/staff/surveys/{survey.slug}/interview", data=data)
    assert done.status_code == 302
    shown = client.get(done.headers["Location"])
    assert shown.status_code == 200 and "Konkurencja dała 20% rabatu." in shown.text
    with db() as session:
        response = session.scalars(select(Response)).one()
        assert response.channel == Channel.INTERVIEW and response.interviewer_id == interviewer.id
        assert response.customer_id == customer.id and response.locale == "pl"
        assert response.primary_answer.bucket == "competitor"


def test_unknown_customer_keeps_the_interview_notes(client, db, login, make_survey):
    survey = make_survey("exit")
    login("interviewer")
    data = answer_data(survey, main_reason="moved", free_text="Moved to Lyon last spring.")
    data.update(customer_ref="NOPE-1", interview_locale="fr")
    page = client.post(f"/staff/surveys/{survey.slug}/interview", data=data)
    assert page.status_code == 400
    assert "Moved to Lyon last spring." in page.text and "NOPE-1" in page.text
    with db() as session:
        assert session.scalars(select(Response)).all() == []


def test_interview_needs_an_open_survey_and_the_right_role(client, login, make_survey):
    closed = make_survey("exit", state="closed")
    login("analyst")
    assert client.get(f"/staff/surveys/{closed.slug}/interview").status_code == 403


def test_interviewer_sees_only_own_interviews(client, login, make_survey, make_customer, app):
    survey = make_survey("exit")
    customer = make_customer()
    login("interviewer")
    data = answer_data(survey, main_reason="moved")
    data.update(customer_ref=customer.external_ref, interview_locale="en")
    location = client.post(f"/staff/surveys/{survey.slug}/interview", data=data).headers["Location"]
    other = app.test_client()
    login("interviewer", the_client=other)
    assert other.get(location).status_code == 403
