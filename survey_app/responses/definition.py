"""Survey definitions as immutable snapshots, cached per survey version.

The respondent's path reads a survey's questions and reasons on every request after a mass
mailing; the snapshot (and the form class and empty form built from it) is reused until the
survey's ``updated_at`` changes, so every worker sees an edit on its next request.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from threading import Lock

from ..surveys.models import QuestionType, Survey
from ..surveys.services import reasons_by_code

MAX_ENTRIES = 512


@dataclass(frozen=True)
class QuestionDef:
    """What the form and the storing code need to know of a question."""

    id: int
    position: int
    type: QuestionType
    required: bool
    text: dict[str, str]

    @property
    def field_name(self) -> str:
        """Name of the form field answering this question."""
        return f"q{self.id}"


@dataclass(frozen=True)
class ReasonDef:
    """An offered catalogue reason."""

    code: str
    bucket: str
    label: dict[str, str]


@dataclass(frozen=True)
class SurveyDefinition:
    """A survey's questions and offered reasons at one version."""

    survey_id: int
    version: datetime
    default_locale: str
    questions: tuple[QuestionDef, ...]
    reasons: tuple[ReasonDef, ...]

    @property
    def key(self) -> tuple[int, datetime]:
        """Identifies this version of the survey."""
        return (self.survey_id, self.version)

    def reason(self, code: str) -> ReasonDef | None:
        """The offered reason with this code, if any."""
        return next((r for r in self.reasons if r.code == code), None)


class VersionCache:
    """A small thread-safe dict that forgets everything when it grows too big."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._data: dict = {}
        self._lock = Lock()
        self._max = max_entries

    def get_or_build(self, key, build):
        """Return the cached value for ``key``, building it on a miss."""
        value = self._data.get(key)
        if value is None:
            value = build()
            with self._lock:
                if len(self._data) >= self._max:
                    self._data.clear()
                self._data[key] = value
        return value

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._data.clear()


_definitions = VersionCache()


def survey_definition(survey: Survey) -> SurveyDefinition:
    """Return the snapshot of ``survey`` at its current version."""
    return _definitions.get_or_build((survey.id, survey.updated_at), lambda: _build(survey))


def _build(survey: Survey) -> SurveyDefinition:
    catalogue = reasons_by_code(list(survey.reason_codes))
    reasons = tuple(ReasonDef(c, catalogue[c].bucket, dict(catalogue[c].label))
                    for c in survey.reason_codes if c in catalogue and catalogue[c].active)
    questions = tuple(QuestionDef(q.id, q.position, q.type, q.required, dict(q.text)) for q in survey.questions)
    return SurveyDefinition(survey.id, survey.updated_at, survey.default_locale, questions, reasons)
