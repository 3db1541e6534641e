"""Survey definitions as immutable snapshots, kept in the app's respondent cache per survey version.

The respondent's path reads a survey's questions and reasons on every request after a mass
mailing; the snapshot (and the pages built from it) is reused until the survey's ``updated_at``
changes, so every worker sees an edit on its next look at the version (see :mod:`.cache`).
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import bindparam, select

from ..extensions import db
from ..surveys.models import LinkFallback, Reason, Survey
from .cache import respondent_cache
from .snapshot import QuestionDef, ReasonDef, SurveyDefinition

__all__ = ["QuestionDef", "ReasonDef", "SurveyDefinition", "definition_by_id", "definition_by_slug",
           "fresh_definition", "reason_catalogue", "survey_definition"]


def reason_catalogue() -> dict[str, ReasonDef]:
    """Every catalogue reason by code, active or not, in catalogue order."""
    return respondent_cache().reasons(current_app.config["SURVEY_RECHECK_SECONDS"], _read_catalogue)


def _read_catalogue() -> dict[str, ReasonDef]:
    rows = db.session.execute(select(Reason.code, Reason.bucket, Reason.label, Reason.active)
                              .order_by(Reason.position)).all()
    return {code: ReasonDef(code, bucket, dict(label or {}), active) for code, bucket, label, active in rows}


def survey_definition(survey: Survey) -> SurveyDefinition:
    """Return the snapshot of ``survey`` at its current version."""
    return respondent_cache().definition((survey.id, survey.updated_at), lambda: _build(survey))


def fresh_definition(survey: Survey) -> SurveyDefinition:
    """Build a snapshot of ``survey`` from its row as it is now, bypassing the cache (for staff previews)."""
    return _build(survey)


_VERSION = select(Survey.id, Survey.updated_at)
#: Prebuilt statements: their compiled form is cached once, not per request.
_BY_SLUG = _VERSION.where(Survey.slug == bindparam("slug"))
_BY_ID = _VERSION.where(Survey.id == bindparam("id"))


def definition_by_slug(slug: str) -> SurveyDefinition | None:
    """Return the current snapshot of the survey at ``slug``, or None."""
    return _current("slug", _BY_SLUG, {"slug": slug})


def definition_by_id(survey_id: int) -> SurveyDefinition | None:
    """Return the current snapshot of survey ``survey_id``, or None."""
    return _current("id", _BY_ID, {"id": survey_id})


def _current(by: str, statement, params: dict) -> SurveyDefinition | None:
    # Only the id and version are read, and at most once per SURVEY_RECHECK_SECONDS in each
    # worker: every change to a survey moves its updated_at, so an edit, opening or closing
    # reaches all workers within that interval (and this worker at once, through survey_changed).
    def read():
        found = db.session.connection().execute(statement, params).first()
        return tuple(found) if found else None

    cache = respondent_cache()
    row = cache.survey_version((by, *params.values()), current_app.config["SURVEY_RECHECK_SECONDS"], read)
    if row is None:
        return None
    return cache.definition(row, lambda: _build(db.session.get(Survey, row[0])))


def _build(survey: Survey) -> SurveyDefinition:
    # Read afresh, not from the catalogue cache: a snapshot is kept as long as its survey version.
    catalogue = _read_catalogue()
    reasons = tuple(catalogue[c] for c in survey.reason_codes if c in catalogue and catalogue[c].active)
    questions = tuple(QuestionDef(q.id, q.position, q.type, q.required, dict(q.text)) for q in survey.questions)
    return SurveyDefinition(
        survey.id, survey.updated_at, survey.slug, survey.state, survey.default_locale, survey.anonymous,
        survey.open_link, survey.opens_at, survey.closes_at, dict(survey.title), dict(survey.intro),
        dict(survey.thanks),
        questions, reasons, dict(survey.next_step or {}), dict(survey.next_step_label or {}), survey.next_step_url,
        dict(survey.consent_text or {}), bool(survey.signed_links), survey.link_secret,
        LinkFallback(survey.link_fallback or LinkFallback.REFUSE),
    )
