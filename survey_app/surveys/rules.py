"""What a survey is, and when it takes answers (pure Python: no Flask, no database)."""
from __future__ import annotations

import enum
from datetime import datetime


class SurveyKind(enum.StrEnum):
    """Exit surveys ask departed customers; loyalty surveys ask current ones; staff surveys ask the team why they
    think customers leave (beliefs, never counted as customers' causes)."""

    EXIT = "exit"
    LOYALTY = "loyalty"
    STAFF = "staff"


#: The kinds whose answers are customers' causes (reports, trends, revenue, lost customers count only these).
CUSTOMER_KINDS: tuple[SurveyKind, ...] = (SurveyKind.EXIT, SurveyKind.LOYALTY)


def asks_customers(kind: SurveyKind | str) -> bool:
    """Tell whether a survey of this kind asks customers (and may invite them); staff surveys do not."""
    return SurveyKind(kind) != SurveyKind.STAFF


class SurveyState(enum.StrEnum):
    """Draft surveys are being prepared, open ones take answers, closed ones no longer do."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class QuestionType(enum.StrEnum):
    """The kinds of question a survey can ask."""

    MAIN_REASON = "main_reason"
    OTHER_REASONS = "other_reasons"
    FREE_TEXT = "free_text"
    SCALE_0_10 = "scale_0_10"
    YES_NO = "yes_no"
    #: "May we contact you about your answer?" (yes/no): a yes lets staff follow a company-caused answer up.
    CONTACT_CONSENT = "contact_consent"


class LinkFallback(enum.StrEnum):
    """What a signed link with a bad, tampered or expired signature leads to."""

    #: The anonymous public form (when the survey has a public link; refused otherwise).
    ANONYMOUS = "anonymous"
    #: A page saying the link cannot be used (403).
    REFUSE = "refuse"


def takes_answers(state: SurveyState, opens_at: datetime | None, closes_at: datetime | None, now: datetime) -> bool:
    """An open survey takes answers between its opening and closing times."""
    if state != SurveyState.OPEN:
        return False
    if opens_at and now < opens_at:
        return False
    return not (closes_at and now >= closes_at)
