"""Survey definitions as immutable snapshots, cached per survey version.

The respondent's path reads a survey's questions and reasons on every request after a mass
mailing; the snapshot (and the form class and empty form built from it) is reused until the
survey's ``updated_at`` changes, so every worker sees an edit on its next request.
"""
from __future__ import annotations

import time
from threading import Lock

from flask import current_app
from sqlalchemy import bindparam, select

from ..extensions import db
from ..surveys.models import Survey
from .snapshot import QuestionDef, ReasonDef, SurveyDefinition

__all__ = ["QuestionDef", "ReasonDef", "SurveyDefinition", "VersionCache", "definition_by_id", "definition_by_slug",
           "survey_definition"]
from ..surveys.services import reasons_by_code

MAX_ENTRIES = 512


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


_VERSION = select(Survey.id, Survey.updated_at)
#: Prebuilt statements: their compiled form is cached once, not per request.
_BY_SLUG = _VERSION.where(Survey.slug == bindparam("slug"))
_BY_ID = _VERSION.where(Survey.id == bindparam("id"))


def definition_by_slug(slug: str) -> SurveyDefinition | None:
    """Return the current snapshot of the survey at ``slug``, or None."""
    return _current(_BY_SLUG, {"slug": slug})


def definition_by_id(survey_id: int) -> SurveyDefinition | None:
    """Return the current snapshot of survey ``survey_id``, or None."""
    return _current(_BY_ID, {"id": survey_id})


_recent: dict[tuple, tuple[float, tuple | None]] = {}


def _current(statement, params: dict) -> SurveyDefinition | None:
    # Only the id and version are read, and at most once per SURVEY_RECHECK_SECONDS in each
    # worker: every change to a survey moves its updated_at, so an edit, opening or closing
    # reaches all workers within that interval.
    key = (statement, *params.values())
    now = time.monotonic()
    checked_at, row = _recent.get(key, (float("-inf"), None))
    if now - checked_at >= current_app.config["SURVEY_RECHECK_SECONDS"]:
        found = db.session.connection().execute(statement, params).first()
        row = tuple(found) if found else None
        if len(_recent) >= MAX_ENTRIES:
            _recent.clear()
        _recent[key] = (now, row)
    if row is None:
        return None
    return _definitions.get_or_build(row, lambda: _build(db.session.get(Survey, row[0])))


def _build(survey: Survey) -> SurveyDefinition:
    catalogue = reasons_by_code(list(survey.reason_codes))
    reasons = tuple(ReasonDef(c, catalogue[c].bucket, dict(catalogue[c].label))
                    for c in survey.reason_codes if c in catalogue and catalogue[c].active)
    questions = tuple(QuestionDef(q.id, q.position, q.type, q.required, dict(q.text)) for q in survey.questions)
    return SurveyDefinition(
        survey.id, survey.updated_at, survey.slug, survey.state, survey.default_locale, survey.anonymous,
        survey.open_link, survey.opens_at, survey.closes_at, dict(survey.title), dict(survey.intro),
        dict(survey.thanks),
        questions, reasons,
    )
