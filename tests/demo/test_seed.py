"""``flask seed demo`` loads the demo once and keeps existing data on later runs."""
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from survey_app.customers.models import Customer, CustomerStatus
from survey_app.purchases.models import Purchase
from survey_app.purchases.rules import lost_since, usual_interval
from survey_app.responses.models import Answer, Channel, Response


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

    second = runner.invoke(args=["seed", "demo"])
    assert second.exit_code == 0 and "nothing changed" in second.output
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
