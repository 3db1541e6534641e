"""Every change staff make through a form is in the audit log exactly once: the actions that record themselves
once, the others (signed links, follow-ups, win-back cases, interviews…) by the log's own hook."""
from __future__ import annotations

from sqlalchemy import select

from survey_app.audit.models import AuditEvent
from survey_app.audit.services import kind_of
from tests.conftest import answer_data
from tests.customers.test_views import new_customer


def _events(db) -> list[AuditEvent]:
    with db() as session:
        return list(session.scalars(select(AuditEvent).where(~AuditEvent.action.like("auth.%"))
                                    .order_by(AuditEvent.id)))


def test_signed_link_settings_a_new_secret_and_a_link_made_are_each_recorded_once(client, db, login, make_survey):
    make_survey("exit", slug="exit")
    admin = login("admin")
    assert client.post("/staff/surveys/exit/signed-links", data={"enabled": "y", "fallback": "refuse"}
                       ).status_code == 302
    assert client.post("/staff/surveys/exit/signed-links/secret").status_code == 302
    assert client.post("/staff/surveys/exit/signed-links/try",
                       data={"ref": "TRY-1", "lang": "pl", "valid": "2d"}).status_code == 200
    found = _events(db)
    assert [e.action for e in found] == ["surveys.signed_links", "surveys.signed_links_secret",
                                         "surveys.signed_links_try"]
    assert {(e.actor_user_id, e.target_type, e.target_id, kind_of(e.action)) for e in found} == {
        (admin.id, "survey", "exit", "changed")}


def test_a_refused_form_records_nothing(client, db, login, make_survey):
    make_survey("exit", slug="exit", signed_links=True, link_secret="s")
    login("admin")
    assert client.post("/staff/surveys/exit/signed-links/try", data={"ref": "", "valid": "7d"}).status_code == 400
    assert _events(db) == []


def test_an_interview_recorded_by_staff_is_in_the_log(client, db, login, make_survey, make_customer):
    survey = make_survey("exit", slug="exit")
    customer = make_customer()
    interviewer = login("interviewer")
    page = client.post("/staff/surveys/exit/interview", data={
        "customer_ref": customer.external_ref, "interview_locale": "en",
        **answer_data(survey, main_reason="better_offer")})
    assert page.status_code == 302
    [event] = _events(db)
    assert (event.action, event.actor_user_id, event.target_id) == ("responses.interview", interviewer.id, "exit")


def test_actions_that_record_themselves_are_not_recorded_twice(client, db, login):
    login("admin")
    assert client.post("/staff/customers/new", data=new_customer()).status_code == 302
    assert [e.action for e in _events(db)] == ["customer.create"]


def test_a_preview_of_a_survey_is_not_a_change(client, db, login, make_survey):
    survey = make_survey("exit", slug="exit")
    login("admin")
    client.post("/staff/surveys/exit/preview", data=answer_data(survey, main_reason="price"))
    assert _events(db) == []
