"""Pure rules of win-back cases: staff moves, the return day, fragility, the channel before the purchase, results."""
from datetime import date

from survey_app.winback.rules import (
    CaseState,
    Outcome,
    fragile_until,
    may_move,
    preceding_channel,
    rate_of,
    rates_by,
    rates_by_channel,
    return_day,
)

LOST = date(2026, 3, 10)


def test_staff_never_set_won_back_and_close_only_what_is_being_worked_on():
    assert not any(may_move(state, CaseState.WON_BACK) for state in CaseState)
    assert may_move(CaseState.OPEN, CaseState.IN_PROGRESS) and not may_move(CaseState.WON_BACK, CaseState.OPEN)
    assert may_move(CaseState.IN_PROGRESS, CaseState.LET_GO) and may_move(CaseState.LET_GO, CaseState.OPEN)
    assert not may_move(CaseState.WON_BACK, CaseState.NOT_WON_BACK)


def test_only_a_purchase_strictly_after_the_lost_date_is_a_return():
    assert return_day(LOST, [date(2026, 1, 5), LOST]) is None
    assert return_day(LOST, [date(2026, 5, 1), LOST, date(2026, 3, 11)]) == date(2026, 3, 11)


def test_fragile_for_ninety_days():
    assert fragile_until(date(2026, 1, 1)) == date(2026, 4, 1)


def test_the_channel_of_the_last_step_done_on_or_before_the_return():
    steps = [("call", date(2026, 4, 1)), ("offer", date(2026, 4, 20)), ("email", None), ("visit", date(2026, 5, 3))]
    assert preceding_channel(steps, date(2026, 4, 20)) == "offer"
    assert preceding_channel(steps, date(2026, 4, 2)) == "call"
    assert preceding_channel(steps, date(2026, 3, 30)) is None


def test_rates_medians_and_recovered_revenue_per_group():
    found = [Outcome(1, "indifference", "Ann", ("call",), True, "call", 10, 300.0),
             Outcome(1, "competitor", "Ann", ("call", "offer"), True, "offer", 30, 100.0),
             Outcome(1, "competitor", "Bob", ("offer",), False),
             Outcome(2, None, None, (), False),
             Outcome(3, "indifference", "Bob", (), True, None, 5, 50.0)]
    total = rate_of("all", found)
    assert (total.cases, total.won_back, total.median_days, total.recovered) == (5, 3, 10.0, 450.0)
    by_priority = {r.key: (r.cases, r.won_back, r.rate) for r in rates_by(found, lambda o: o.priority, (1, 2, 3, 4))}
    assert by_priority == {1: (3, 2, 2 / 3), 2: (1, 0, 0.0), 3: (1, 1, 1.0)}
    assert [r.key for r in rates_by(found, lambda o: o.manager)] == ["Ann", "Bob", None]
    by_channel = {r.key: (r.cases, r.won_back) for r in rates_by_channel(found, ["call", "meeting", "offer"])}
    assert by_channel == {"call": (2, 1), "offer": (2, 1), None: (2, 1)}  # None: cases with no step done
