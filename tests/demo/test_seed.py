"""``flask seed demo`` loads the demo once and keeps existing data on later runs; the demo has win-back cases in
every state and follow-ups, added to a demo loaded before them too."""
import json
from datetime import date

import pytest
from sqlalchemy import func, select, update

from survey_app.auth.models import StaffUser
from survey_app.customers.models import Customer, CustomerStatus
from survey_app.demo import services as demo_services
from survey_app.followups.models import FollowUp
from survey_app.followups.rules import FollowUpState
from survey_app.purchases.models import Purchase
from survey_app.purchases.rules import lost_since, usual_interval
from survey_app.responses.models import Answer, Channel, Response
from survey_app.winback.models import WinbackCase, WinbackStep
from survey_app.winback.queries import CaseFilter, fragile_cases, list_cases, results
from survey_app.winback.rules import AUTO_PRIORITIES, CaseState


@pytest.mark.slow
def test_seed_demo_is_idempotent_and_prints_logins(runner, db):
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    assert "admin@example.com" in first.output and "analyst@example.com" in first.output
    assert "interviewer@example.com" in first.output and "/s/" in first.output
    with db() as session:
        counts = (session.scalar(select(func.count()).select_from(Customer)),
                  session.scalar(select(func.count()).select_from(Response)),
                  session.scalar(select(func.count()).select_from(Answer)))
        locales = set(session.scalars(select(Customer.locale)))
        channels = set(session.scalars(select(Response.channel)))
        months = {r.strftime("%Y-%m") for r in session.scalars(select(Response.submitted_at))}
    assert counts[0] >= 24 and counts[1] >= 300 and counts[2] >= 300
    assert locales == {"en", "fr", "pl", "ru"}
    assert channels == {Channel.EMAIL, Channel.LINK, Channel.INTERVIEW}
    assert len(months) >= 4
    assert_two_years_of_purchases_that_agree_with_the_lost_rule(db)
    assert_win_back_cases_in_every_state(db)
    assert_follow_ups_open_and_closed(db)
    kept = counted(db)

    second = runner.invoke(args=["seed", "demo"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    assert counted(db) == kept
    first_passwords = [line.split()[-1] for line in first.output.splitlines() if "@example.com" in line]
    second_passwords = [line.split()[-1] for line in second.output.splitlines() if "@example.com" in line]
    assert first_passwords == second_passwords
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == counts[1]

    surveys = json.loads(runner.invoke(args=["surveys", "list", "--format", "json"]).output)
    assert {(s["slug"], s["kind"], s["state"]) for s in surveys} == {("exit-demo", "exit", "open"),
                                                                      ("loyalty-demo", "loyalty", "open"),
                                                                      ("staff-demo", "staff", "open")}
    assert_a_staff_survey_with_anonymous_beliefs(runner, db)


def assert_a_staff_survey_with_anonymous_beliefs(runner, db):
    from survey_app.surveys.models import Survey

    with db() as session:
        staff = session.scalars(select(Response).join(Survey, Survey.id == Response.survey_id)
                                .where(Survey.slug == "staff-demo")).all()
    assert len(staff) == 24 and all(r.customer_id is None and r.primary_bucket for r in staff)
    beliefs = json.loads(runner.invoke(args=["reports", "beliefs"]).output)
    assert beliefs["groups"]["staff"]["n"] == 24 and beliefs["groups"]["exit"]["enough"]
    assert beliefs["sentence"].startswith("The largest misperception: staff think")


def test_seed_catalogue_twice_adds_nothing_the_second_time(runner):
    assert "27 reasons added" in runner.invoke(args=["seed", "catalogue"]).output
    assert "0 reasons added" in runner.invoke(args=["seed", "catalogue"]).output


def assert_two_years_of_purchases_that_agree_with_the_lost_rule(db):
    with db() as session:
        customers = session.scalars(select(Customer)).all()
        history = {c.id: sorted(session.scalars(select(Purchase.day).where(Purchase.customer_id == c.id)))
                   for c in customers}
    for customer in customers:
        days = history[customer.id]
        assert len(days) >= 5 and customer.last_purchase == days[-1], customer.external_ref
        lost_at = lost_since(days[-1], usual_interval(days), as_of=date.today())
        if customer.status == CustomerStatus.LOST:
            assert lost_at is not None and abs((lost_at - customer.lost_at).days) <= 31, customer.external_ref
    assert max(max(days) - min(days) for days in history.values()).days >= 700


def counted(db) -> tuple[int, ...]:
    """How many cases, steps, follow-ups, purchases and responses the database holds."""
    with db() as session:
        return tuple(session.scalar(select(func.count()).select_from(model))
                     for model in (WinbackCase, WinbackStep, FollowUp, Purchase, Response))


def assert_win_back_cases_in_every_state(db):
    today = date.today()
    with db() as session:
        cases = session.scalars(select(WinbackCase)).all()
        owners = {case.owner.email for case in cases if case.owner is not None}
        states = {case.state for case in cases}
        won = [(case, session.scalars(select(Purchase.day).where(Purchase.customer_id == case.customer_id)).all(),
                case.customer.status) for case in cases if case.state == CaseState.WON_BACK]
        by_sweep = [case.priority for case in cases if case.created_by_id is None]
        by_hand = [case for case in cases if case.created_by_id is not None]
        promised = [case for case in cases if case.agreed_at is not None]
        overdue = list_cases(CaseFilter(overdue=True), today)
        fragile = fragile_cases(today)
        closed = [case.close_note for case in cases if case.state in (CaseState.NOT_WON_BACK, CaseState.LET_GO)]
        planned = [step for case in cases if case.state == CaseState.OPEN for step in case.steps
                   if step.done_on is None and step.due > today]
        figures = results()
    assert states == set(CaseState)
    assert {"admin@example.com", "analyst@example.com", "interviewer@example.com"} <= owners
    assert len(won) >= 3
    for case, days, status in won:
        assert case.returned_at > case.lost_at and case.returned_at in days and status == CustomerStatus.RETURNED
        assert case.days_to_return == (case.returned_at - case.lost_at).days
        assert not [day for day in days if case.lost_at < day < case.returned_at]
    assert len({case.days_to_return for case, _days, _status in won}) >= 3
    assert any(case.return_channel for case, _days, _status in won)
    assert by_sweep and set(by_sweep) <= set(AUTO_PRIORITIES) and len(by_hand) == 1
    assert promised and all(case.returned_at is None for case in promised if case.state != CaseState.WON_BACK)
    assert overdue and fragile and planned
    assert closed and all(note.strip() for note in closed)
    assert figures.total.median_days is not None and figures.total.recovered > 0


def assert_follow_ups_open_and_closed(db):
    today = date.today()
    with db() as session:
        tasks = session.scalars(select(FollowUp)).all()
        consented = {task.response_id: task.response.submitted_at for task in tasks}
    opened = [task for task in tasks if task.state == FollowUpState.OPEN]
    closed = [task for task in tasks if task.state == FollowUpState.CLOSED]
    assert opened and any(task.overdue(today) for task in opened)
    assert any(not task.overdue(today) for task in opened)
    assert closed and all(task.outcome and task.note and task.closed_at for task in closed)
    assert all(task.bucket in ("indifference", "dissatisfaction") and task.owner_id for task in tasks)
    assert all(task.closed_at >= consented[task.response_id] for task in closed)


@pytest.mark.slow
def test_a_demo_loaded_before_cases_and_follow_ups_gets_them_once(runner, db, monkeypatch):
    monkeypatch.setattr(demo_services, "load_cases", lambda today, seed: 0)
    monkeypatch.setattr(demo_services, "load_followups", lambda seed: 0)
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    monkeypatch.undo()
    with db() as session:  # as before: the admin managed every demo customer
        admin = session.scalar(select(StaffUser.id).where(StaffUser.email == "admin@example.com"))
        session.execute(update(Customer).values(account_manager_id=admin))
    assert json.loads(runner.invoke(args=["winback", "sweep"]).output)["opened"] >= 10  # the sweep ran meanwhile
    assert counted(db)[1:3] == (0, 0)

    upgraded = runner.invoke(args=["seed", "demo"])
    assert upgraded.exit_code == 0 and "Demo data loaded." in upgraded.output
    assert_win_back_cases_in_every_state(db)
    assert_follow_ups_open_and_closed(db)
    kept = counted(db)
    again = runner.invoke(args=["seed", "demo"])
    assert "nothing changed" in again.output and counted(db) == kept
