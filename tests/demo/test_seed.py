"""``flask seed demo`` loads the demo once and keeps existing data on later runs."""
import json

import pytest
from sqlalchemy import func, select

from survey_app.customers.models import Customer
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

    second = runner.invoke(args=["seed", "demo"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    first_passwords = [line.split()[-1] for line in first.output.splitlines() if "@example.com" in line]
    second_passwords = [line.split()[-1] for line in second.output.splitlines() if "@example.com" in line]
    assert first_passwords == second_passwords
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == counts[1]

    surveys = json.loads(runner.invoke(args=["surveys", "list", "--format", "json"]).output)
    assert {(s["slug"], s["kind"], s["state"]) for s in surveys} == {("exit-demo", "exit", "open"),
                                                                      ("loyalty-demo", "loyalty", "open")}


def test_seed_catalogue_twice_adds_nothing_the_second_time(runner):
    assert "27 reasons added" in runner.invoke(args=["seed", "catalogue"]).output
    assert "0 reasons added" in runner.invoke(args=["seed", "catalogue"]).output
