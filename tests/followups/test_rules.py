"""Deadlines in working days and who gets a follow-up (pure rules)."""
from datetime import date

import pytest

from survey_app.followups.rules import FollowUpKind, add_working_days, calls_for_follow_up, kind_for


@pytest.mark.parametrize("start, days, due", [
    (date(2026, 11, 30), 2, date(2026, 12, 2)),   # Monday → Wednesday
    (date(2026, 12, 3), 2, date(2026, 12, 7)),    # Thursday → Monday, over the weekend
    (date(2026, 12, 4), 2, date(2026, 12, 8)),    # Friday → Tuesday
    (date(2026, 12, 5), 2, date(2026, 12, 8)),    # Saturday counts from Monday → Tuesday
    (date(2026, 12, 6), 1, date(2026, 12, 7)),    # Sunday → Monday
    (date(2026, 12, 4), 0, date(2026, 12, 4)),
    (date(2026, 12, 31), 5, date(2027, 1, 7)),    # over the new year
])
def test_deadlines_count_working_days_only(start, days, due):
    assert add_working_days(start, days) == due


@pytest.mark.parametrize("bucket, consent, customer, expected", [
    ("indifference", True, True, True), ("dissatisfaction", True, True, True),
    ("competitor", True, True, False), ("relationship", True, True, False), ("circumstances", True, True, False),
    ("unclassified", True, True, False), ("pending", True, True, False), (None, True, True, False),
    ("indifference", False, True, False),   # no consent, no task
    ("indifference", True, False, False),   # nobody to contact
])
def test_only_company_caused_answers_with_consent_from_a_known_customer_call_for_one(bucket, consent, customer,
                                                                                     expected):
    assert calls_for_follow_up(bucket, consent, customer) is expected


def test_exit_answers_are_followed_up_and_loyal_customers_fears_are_risks():
    assert (kind_for("exit"), kind_for("loyalty"), kind_for("staff")) == (FollowUpKind.EXIT, FollowUpKind.RISK, None)
