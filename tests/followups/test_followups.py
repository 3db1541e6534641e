"""Follow-ups: opened by a company-caused answer of a customer who agreed to be contacted (chosen or sorted), emailed
to the owner in their language, closed with an outcome and a note, listed, overdue, counted, and from the CLI."""
import json
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from survey_app.dbtypes import utcnow
from survey_app.followups.models import FollowUp
from survey_app.followups.rules import add_working_days
from survey_app.jobs.models import Job, JobState
from survey_app.responses.models import Response
from tests.conftest import PASSWORD, answer_data
from tests.instances.test_two_instances import wait_for
from tests.invitations.test_sending import smtp_server  # noqa: F401  (a fixture)


@pytest.fixture
def manager(make_user):
    return make_user("analyst", email="ola@example.com", locale="pl")


@pytest.fixture
def exit_survey(make_survey):
    return make_survey("exit")


def answer(client, make_invitation, survey, customer, consent: str | None = "1", token: str | None = None,
           **values) -> None:
    if token is None:
        _invitation, token = make_invitation(survey, customer)
    data = answer_data(survey, **values)
    if consent is not None:
        data.update(answer_data(survey, contact_consent=consent))
    page = client.post(f"/s/{token}", data=data)
    assert page.status_code == 303, [line for line in page.text.splitlines() if "errors" in line][:3]


def tasks(db) -> list[FollowUp]:
    with db() as session:
        found = session.scalars(select(FollowUp).order_by(FollowUp.id)).all()
        for task in found:
            _ = task.customer, task.owner
        return found


def test_a_company_caused_reason_with_consent_opens_a_task_for_the_account_manager(client, db, make_customer,
                                                                                   make_invitation, exit_survey,
                                                                                   manager):
    customer = make_customer(ref="EX-1", account_manager_id=manager.id)
    answer(client, make_invitation, exit_survey, customer, main_reason="no_follow_up")
    [task] = tasks(db)
    assert (task.customer.external_ref, task.kind.value, task.bucket, task.owner_id, task.state.value) == (
        "EX-1", "exit", "indifference", manager.id, "open")
    assert task.due == add_working_days(utcnow().date(), 2)


@pytest.mark.parametrize("consent, reason", [("0", "no_follow_up"), (None, "no_follow_up"),
                                             ("1", "cheaper_elsewhere"), ("1", "moved")])
def test_no_task_without_consent_or_for_causes_the_company_did_not_cause(client, db, make_customer, make_invitation,
                                                                         exit_survey, manager, consent, reason):
    customer = make_customer(account_manager_id=manager.id)
    answer(client, make_invitation, exit_survey, customer, consent=consent, main_reason=reason)
    assert tasks(db) == []


def test_an_open_link_answer_names_nobody_to_contact(client, db, exit_survey):
    data = {**answer_data(exit_survey, main_reason="poor_quality"), **answer_data(exit_survey, contact_consent="1")}
    assert client.post(f"/s/o/{exit_survey.slug}", data=data).status_code == 303
    assert tasks(db) == []


def test_a_loyal_customers_company_caused_fear_is_a_risk_task(client, db, make_survey, make_customer,
                                                              make_invitation, manager):
    survey = make_survey("loyalty")
    customer = make_customer(account_manager_id=manager.id)
    answer(client, make_invitation, survey, customer, main_reason=survey.reason_codes[0])
    with db() as session:
        bucket = session.scalar(select(Response.primary_bucket))
    found = tasks(db)
    if bucket in ("indifference", "dissatisfaction"):
        assert [t.kind.value for t in found] == ["risk"]
    else:
        assert found == []


def test_free_text_opens_its_task_once_the_sorting_job_finds_it_company_caused(
        app, client, db, make_customer, make_invitation, make_optional, exit_survey, manager, classifier,
        sort_answers):
    customer = make_customer(account_manager_id=manager.id)
    _invitation, token = make_invitation(exit_survey, customer)  # before the edit: the fixture merges the survey
    make_optional(exit_survey)
    answer(client, make_invitation, exit_survey, customer, token=token,
           free_text="Nobody ever answered our emails or calls.")
    assert tasks(db) == []  # pending: its cause is not known yet
    sort_answers()
    [task] = tasks(db)
    assert (task.bucket, task.owner_id) == ("indifference", manager.id)


def test_without_an_account_manager_the_default_owner_gets_it(app, client, db, make_customer, make_invitation,
                                                              exit_survey, make_user):
    boss = make_user("admin", email="boss@example.com")
    app.config["FOLLOWUP_DEFAULT_OWNER"] = "Boss@Example.com"
    answer(client, make_invitation, exit_survey, make_customer(), main_reason="poor_quality")
    assert [t.owner_id for t in tasks(db)] == [boss.id]


def settled(db) -> bool:
    alive = any(thread.name.startswith("job-") for thread in threading.enumerate())
    with db() as session:
        jobs = session.scalars(select(Job).where(Job.kind == "notify_followups")).all()
    return not alive and all(job.state in (JobState.DONE, JobState.FAILED) for job in jobs)


def test_the_owner_is_emailed_once_in_their_language(app, client, db, make_customer, make_invitation, exit_survey,
                                                     manager, smtp_server):  # noqa: F811
    app.config["FOLLOWUP_NOTIFY_AT_ONCE"] = True
    customer = make_customer(ref="PL-7", name="Firma Kowalski", account_manager_id=manager.id)
    answer(client, make_invitation, exit_survey, customer, main_reason="no_follow_up")
    assert wait_for(lambda: smtp_server.messages, seconds=60)
    assert wait_for(lambda: settled(db), seconds=60)
    [message] = smtp_server.messages
    assert message["To"].addresses[0].addr_spec == "ola@example.com" and message["Content-Language"] == "pl"
    body = message.get_content()
    assert "Firma Kowalski" in message["Subject"] and "PL-7" in body
    assert "Prosimy o kontakt" in body and "/staff/responses/" in body
    result = app.test_cli_runner().invoke(args=["jobs", "run-due"])  # the sweep sends nothing twice
    assert result.exit_code == 0 and len(smtp_server.messages) == 1


def test_closing_needs_an_outcome_and_a_note_and_keeps_what_was_typed(client, db, login, make_customer,
                                                                      make_invitation, exit_survey):
    user = login("analyst")
    answer(client, make_invitation, exit_survey, make_customer(account_manager_id=user.id),
           main_reason="no_follow_up")
    [task] = tasks(db)
    page = client.post(f"/staff/followups/{task.id}/close", data={"outcome": "apologised", "note": "  "})
    assert page.status_code == 400 and "Please say what was done." in page.text
    assert 'selected value="apologised"' in page.text or 'value="apologised" selected' in page.text
    page = client.post(f"/staff/followups/{task.id}/close", data={"outcome": "nonsense", "note": "Called"})
    assert page.status_code == 400
    done = client.post(f"/staff/followups/{task.id}/close", data={"outcome": "offer_made", "note": "Called, 10 % off"})
    assert done.status_code == 302
    [task] = tasks(db)
    assert (task.state.value, task.outcome.value, task.note, task.closed_by_id) == (
        "closed", "offer_made", "Called, 10 % off", user.id)
    again = client.post(f"/staff/followups/{task.id}/close", data={"outcome": "fixed", "note": "again"})
    assert again.status_code == 409 and "closed already" in again.text
    shown = client.get(f"/staff/responses/{task.response_id}").text
    assert "Made an offer" in shown and "Called, 10 % off" in shown


def test_only_the_owner_or_an_analyst_closes_a_task(app, client, db, login, make_user, make_customer,
                                                    make_invitation, exit_survey):
    owner = make_user("interviewer")
    answer(client, make_invitation, exit_survey, make_customer(account_manager_id=owner.id),
           main_reason="no_follow_up")
    [task] = tasks(db)
    login("interviewer")  # another interviewer
    assert client.post(f"/staff/followups/{task.id}/close",
                       data={"outcome": "fixed", "note": "x"}).status_code == 403
    assert client.get("/staff/followups/?view=all").status_code == 403
    owners = app.test_client()
    owners.post("/staff/login", data={"email": owner.email, "password": PASSWORD})
    mine = owners.get("/staff/followups/")
    assert mine.status_code == 200 and task.customer.external_ref in mine.text


def test_staff_open_a_task_by_hand_once_and_never_for_an_anonymous_answer(client, db, login, make_customer,
                                                                           make_invitation, exit_survey):
    login("analyst")
    answer(client, make_invitation, exit_survey, make_customer(), consent="0", main_reason="moved")
    with db() as session:
        response_id = session.scalar(select(Response.id))
    assert "Open a follow-up" in client.get(f"/staff/responses/{response_id}").text
    assert client.post(f"/staff/followups/responses/{response_id}/open").status_code == 302
    assert [(t.bucket, t.created_by_id is not None) for t in tasks(db)] == [("circumstances", True)]
    again = client.post(f"/staff/followups/responses/{response_id}/open")
    assert again.status_code == 409 and "already has its follow-up" in again.text
    public = client.post(f"/s/o/{exit_survey.slug}", data=answer_data(exit_survey, main_reason="moved"))
    assert public.status_code == 303
    with db() as session:
        anonymous = session.scalar(select(Response.id).where(Response.customer_id.is_(None)))
    refused = client.post(f"/staff/followups/responses/{anonymous}/open")
    assert refused.status_code == 400 and "known customer" in refused.text


def test_overdue_tasks_are_listed_and_the_share_followed_up_in_time_is_counted(client, db, login, runner,
                                                                              make_customer, make_invitation,
                                                                              exit_survey, manager):
    for ref in ("LATE-1", "DONE-1", "NEW-1"):
        answer(client, make_invitation, exit_survey, make_customer(ref=ref, account_manager_id=manager.id),
               main_reason="poor_quality")
    late, done, _new = tasks(db)
    with db() as session:
        session.execute(update(FollowUp).where(FollowUp.id.in_([late.id, done.id]))
                        .values(due=utcnow().date() - timedelta(days=3)))
        session.execute(update(FollowUp).where(FollowUp.id == done.id).values(
            state="closed", outcome="fixed", note="ok", closed_at=utcnow() - timedelta(days=4)))
    login("admin")
    page = client.get("/staff/followups/?view=overdue").text
    assert "LATE-1" in page and "DONE-1" not in page and "NEW-1" not in page
    assert "Followed up within the deadline: 50%" in page and "(1 of 2" in page
    dashboard = client.get("/staff/reports/").text
    assert "Company-caused answers followed up within the deadline: 50% (1 of 2 follow-ups" in dashboard
    listed = json.loads(runner.invoke(args=["followups", "list", "--overdue", "--format", "json"]).output)
    assert listed == [{"external_ref": "LATE-1", "kind": "exit", "bucket": "dissatisfaction",
                       "owner": "ola@example.com", "due": (utcnow().date() - timedelta(days=3)).isoformat(),
                       "state": "open", "overdue": True, "outcome": None}]
    everything = json.loads(runner.invoke(args=["followups", "list", "--format", "json"]).output)
    assert [row["external_ref"] for row in everything] == ["LATE-1", "NEW-1", "DONE-1"]


def test_friday_answers_are_due_on_tuesday(client, db, make_customer, make_invitation, exit_survey, manager):
    today = utcnow().date()
    friday = today - timedelta(days=(today.weekday() - 4) % 7)
    answer(client, make_invitation, exit_survey, make_customer(account_manager_id=manager.id),
           main_reason="no_follow_up")
    with db() as session:
        session.execute(update(Response).values(submitted_at=utcnow().replace(
            year=friday.year, month=friday.month, day=friday.day)))
        session.execute(FollowUp.__table__.delete())
    from survey_app.followups.services import open_due

    with db() as session:
        open_due([session.scalar(select(Response.id))])
    [task] = tasks(db)
    assert task.due == friday + timedelta(days=4) and task.due.weekday() == 1
    assert isinstance(task.due, date)


def test_erasing_a_customer_removes_their_follow_ups(client, db, login, make_customer, make_invitation, exit_survey,
                                                     manager):
    customer = make_customer(ref="GONE-1", account_manager_id=manager.id)
    answer(client, make_invitation, exit_survey, customer, main_reason="no_follow_up")
    assert len(tasks(db)) == 1
    login("admin")
    assert client.post(f"/staff/customers/{customer.id}/erase").status_code == 302
    assert tasks(db) == []
    with db() as session:
        assert session.scalar(select(Response.primary_bucket)) == "indifference"  # the answer is kept, anonymous
