"""The pure answer checker, as a table of cases."""
from datetime import datetime

import pytest
from werkzeug.datastructures import MultiDict

from survey_app.responses.answers import INVALID_CHOICE, REQUIRED, TOO_LONG, read_answers
from survey_app.responses.definition import QuestionDef, ReasonDef, SurveyDefinition
from survey_app.surveys.models import QuestionType, SurveyState

Q = QuestionType
DEFINITION = SurveyDefinition(
    survey_id=1, version=datetime(2026, 1, 1), slug="s", state=SurveyState.OPEN, default_locale="en",
    anonymous=False, open_link=True, opens_at=None, closes_at=None, title={}, intro={}, thanks={},
    questions=(QuestionDef(1, 1, Q.MAIN_REASON, True, {}), QuestionDef(2, 2, Q.OTHER_REASONS, False, {}),
               QuestionDef(3, 3, Q.FREE_TEXT, False, {}), QuestionDef(4, 4, Q.SCALE_0_10, False, {}),
               QuestionDef(5, 5, Q.YES_NO, False, {})),
    reasons=(ReasonDef("moved", "circumstances", {}), ReasonDef("cheaper_elsewhere", "competitor", {})),
)


def read(**fields):
    return read_answers(DEFINITION, MultiDict(fields).getlist, max_text=20)


@pytest.mark.parametrize("fields, values", [
    ({"q1": "moved"}, {1: "moved"}),
    ({"q1": "moved", "q2": ["cheaper_elsewhere", "cheaper_elsewhere"]}, {1: "moved", 2: ["cheaper_elsewhere"]}),
    ({"q1": "moved", "q3": "  Trop cher  "}, {1: "moved", 3: "Trop cher"}),
    ({"q1": "moved", "q3": "Дорого", "q4": "0", "q5": "1"}, {1: "moved", 3: "Дорого", 4: 0, 5: 1}),
    ({"q1": "moved", "q4": "10", "q5": "0"}, {1: "moved", 4: 10, 5: 0}),
    ({"q1": "moved", "q3": "   "}, {1: "moved"}),
])
def test_valid_answers(fields, values):
    result = read(**fields)
    assert result.valid and result.values == values


@pytest.mark.parametrize("fields, question, code", [
    ({}, 1, REQUIRED),
    ({"q1": " "}, 1, REQUIRED),
    ({"q1": "bogus"}, 1, INVALID_CHOICE),
    ({"q1": ["moved", "cheaper_elsewhere"]}, 1, INVALID_CHOICE),
    ({"q1": "moved", "q2": ["moved", "<script>"]}, 2, INVALID_CHOICE),
    ({"q1": "moved", "q3": "x" * 21}, 3, TOO_LONG),
    ({"q1": "moved", "q4": "11"}, 4, INVALID_CHOICE),
    ({"q1": "moved", "q4": "-1"}, 4, INVALID_CHOICE),
    ({"q1": "moved", "q4": "five"}, 4, INVALID_CHOICE),
    ({"q1": "moved", "q5": "2"}, 5, INVALID_CHOICE),
])
def test_refused_answers_keep_what_was_typed(fields, question, code):
    result = read(**fields)
    assert not result.valid
    assert result.errors[question][0] == code
    submitted = fields.get(f"q{question}", [])
    assert result.raw[question] == (submitted if isinstance(submitted, list) else [submitted])


def test_too_long_reports_the_limit_and_length():
    assert read(q1="moved", q3="y" * 25).errors[3] == (TOO_LONG, {"max": 20, "length": 25})
