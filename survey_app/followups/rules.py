"""When a follow-up is opened and when it is due (pure Python: no Flask, no database)."""
from __future__ import annotations

import enum
from datetime import date, timedelta

from ..taxonomy import COMPANY, cause_group


class FollowUpKind(enum.StrEnum):
    """Exit: a departed customer's company-caused reason; risk: what would make a loyal customer leave."""

    EXIT = "exit"
    RISK = "risk"


class FollowUpState(enum.StrEnum):
    """A task is open until its owner closes it with an outcome."""

    OPEN = "open"
    CLOSED = "closed"


class Outcome(enum.StrEnum):
    """What came of a follow-up."""

    APOLOGISED = "apologised"
    FIXED = "fixed"
    OFFER_MADE = "offer_made"
    NOT_REACHED = "not_reached"


def kind_for(survey_kind: str) -> FollowUpKind | None:
    """The follow-up a survey's answers call for (None: staff surveys and other kinds call for none)."""
    return {"exit": FollowUpKind.EXIT, "loyalty": FollowUpKind.RISK}.get(survey_kind)


def calls_for_follow_up(bucket: str | None, consent: bool, has_customer: bool) -> bool:
    """A company-caused cause (indifference or dissatisfaction), from a known customer who said yes to contact."""
    return consent and has_customer and cause_group(bucket) == COMPANY


def add_working_days(start: date, days: int) -> date:
    """The day ``days`` working days (Monday to Friday) after ``start``; a start on a weekend counts from Monday."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day
