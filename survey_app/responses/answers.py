"""Reading submitted answers against a survey snapshot (pure Python: no Flask, no database).

The respondent's form is generated from data and its rules are few, so it is checked here
rather than through a form class built per survey: the same rules serve the public form and
the interview form, and error codes are translated where they are shown.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..surveys.rules import QuestionType
from .snapshot import QuestionDef, SurveyDefinition

#: Error codes: what is wrong with one answer.
REQUIRED = "required"
INVALID_CHOICE = "invalid_choice"
TOO_LONG = "too_long"
#: "Other — please specify" chosen with nothing specified.
OTHER_UNSAID = "other_unsaid"

#: The main reason's last option: the respondent's own words, sorted like any free text.
OTHER = "other"


def other_field(field_name: str) -> str:
    """The name of the text box that goes with a main reason's "Other — please specify"."""
    return f"{field_name}-other"


class OtherReason(str):
    """A main reason given in the respondent's own words ("Other — please specify"): its text."""

    __slots__ = ()

#: Name of the hidden field that tells one showing of a form from another (see ``new_submission_key``).
SUBMISSION_KEY = "submission_key"
_KEY = re.compile(r"[A-Za-z0-9_-]{16,32}")


def new_submission_key() -> str:
    """A fresh key for one showing of an answer form: sending that form twice stores its answers once."""
    return secrets.token_urlsafe(16)


def submission_key(value: str | None) -> str | None:
    """The submission key sent with a form, or None when it is missing or not one ``new_submission_key`` makes."""
    return value if value and _KEY.fullmatch(value) else None


@dataclass
class Submission:
    """Values read from a form, by question id, with the raw values to show again and any errors."""

    values: dict[int, object] = field(default_factory=dict)
    raw: dict[int, list[str]] = field(default_factory=dict)
    errors: dict[int, tuple[str, dict]] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        """No answer has an error."""
        return not self.errors


def read_answers(definition: SurveyDefinition, getlist: Callable[[str], list[str]], max_text: int) -> Submission:
    """Check each question's submitted values; keep what was typed even when it is refused."""
    result = Submission()
    reason_codes = {r.code for r in definition.reasons}
    for question in definition.questions:
        raw = [v for v in getlist(question.field_name) if v is not None]
        result.raw[question.id] = raw
        if question.type == QuestionType.MAIN_REASON and OTHER in raw:
            said = "\n".join(v for v in getlist(other_field(question.field_name)) if v).strip()
            result.raw[question.id] = [OTHER, said]  # the choice, then the words, to show again
            value, error = _read_other(said, max_text)
        else:
            value, error = _read_one(question, raw, reason_codes, max_text)
        if error:
            result.errors[question.id] = error
        elif value not in (None, "", []):
            result.values[question.id] = value
    return result


def _read_other(said: str, max_text: int):
    """ "Other — please specify": the words are the answer."""
    if not said:
        return None, (OTHER_UNSAID, {})
    if len(said) > max_text:
        return None, (TOO_LONG, {"max": max_text, "length": len(said)})
    return OtherReason(said), None


def _read_one(question: QuestionDef, raw: list[str], reason_codes: set[str], max_text: int):
    qtype = question.type
    present = [v for v in raw if v.strip()]
    if not present:
        return None, ((REQUIRED, {}) if question.required else None)
    if qtype == QuestionType.MAIN_REASON:
        return (present[0], None) if len(present) == 1 and present[0] in reason_codes else (None, (INVALID_CHOICE, {}))
    if qtype == QuestionType.OTHER_REASONS:
        if any(v not in reason_codes for v in present):
            return None, (INVALID_CHOICE, {})
        return list(dict.fromkeys(present)), None
    if qtype == QuestionType.FREE_TEXT:
        text = "\n".join(present).strip()
        if len(text) > max_text:
            return None, (TOO_LONG, {"max": max_text, "length": len(text)})
        return text, None
    allowed = range(11) if qtype == QuestionType.SCALE_0_10 else (0, 1)
    try:
        number = int(present[0])
    except ValueError:
        return None, (INVALID_CHOICE, {})
    return (number, None) if len(present) == 1 and number in allowed else (None, (INVALID_CHOICE, {}))


def choices(question: QuestionDef, definition: SurveyDefinition, reason_label: Callable, yes_no: tuple[str, str]
            ) -> Iterable[tuple[str, str]]:
    """The (value, label) pairs offered for a choice question."""
    if question.type in (QuestionType.MAIN_REASON, QuestionType.OTHER_REASONS):
        return [(r.code, reason_label(r)) for r in definition.reasons]
    if question.type == QuestionType.SCALE_0_10:
        return [(str(i), str(i)) for i in range(11)]
    if question.type in (QuestionType.YES_NO, QuestionType.CONTACT_CONSENT):
        return [("1", yes_no[0]), ("0", yes_no[1])]
    return []
