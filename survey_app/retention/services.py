"""Retention: each survey's answers lose their personal links a set number of months after submission."""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select, update

from ..dbtypes import utcnow
from ..extensions import db
from ..followups.models import FollowUp
from ..responses.models import Answer, Response
from ..responses.services import anonymise_responses, remove_free_text, text_decided
from ..signals import answers_changed
from ..surveys.models import Survey
from ..winback.models import WinbackCase
from .rules import retention_cutoff

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SurveyRetention:
    """What retention does (or would do) to one survey's responses on a day."""

    #: The survey's slug.
    survey: str
    #: Its retention period in months.
    months: int
    #: Free text is removed too.
    free_text: bool
    #: Responses submitted before this time are due.
    cutoff: datetime
    #: Responses anonymised (or that would be).
    responses: int
    #: Free-text answers blanked (or that would be).
    texts: int

    def as_dict(self) -> dict:
        """The figures as JSON-ready values."""
        return {**asdict(self), "cutoff": self.cutoff.isoformat()}


def _due(survey: Survey, cutoff: datetime):
    return and_(Response.survey_id == survey.id, Response.submitted_at < cutoff)


def _texts_due(condition) -> int:
    return db.session.scalar(
        select(func.count(Answer.id)).join(Response, Answer.response_id == Response.id)
        .where(condition, text_decided())) or 0


#: Rows changed per statement (well under every database's limit on bound parameters).
_BATCH = 500


def _unlink(response_ids: list[int]) -> None:
    """Follow-ups and win-back cases no longer tie anonymised responses to a customer (the tasks, their notes and
    the cases stay with their customer)."""
    for start in range(0, len(response_ids), _BATCH):
        batch = response_ids[start:start + _BATCH]
        db.session.execute(update(FollowUp).where(FollowUp.response_id.in_(batch)).values(customer_id=None))
        db.session.execute(update(WinbackCase).where(WinbackCase.reason_response_id.in_(batch))
                           .values(reason_response_id=None))


def apply_retention(as_of: date, *, dry_run: bool = False, now: datetime | None = None) -> list[SurveyRetention]:
    """Anonymise the responses of every survey with a retention period that are at least that old on ``as_of``
    (and blank their free text where the survey says so); with ``dry_run``, only count them. The caller commits.

    :return: one line per survey with a retention period, in slug order.
    """
    done = []
    surveys = db.session.scalars(select(Survey).where(Survey.retention_months.is_not(None)).order_by(Survey.slug))
    for survey in surveys:
        months = survey.retention_months or 0
        cutoff = retention_cutoff(as_of, months)
        condition = _due(survey, cutoff)
        if dry_run:
            count = db.session.scalar(select(func.count(Response.id))
                                      .where(condition, Response.anonymised_at.is_(None))) or 0
            texts = _texts_due(condition) if survey.retention_free_text else 0
        else:
            ids = anonymise_responses(condition, now)
            _unlink(ids)
            count = len(ids)
            texts = remove_free_text(condition) if survey.retention_free_text else 0
            if count or texts:
                logger.info("Retention of %s: %d responses anonymised, %d texts removed", survey.slug, count, texts)
        done.append(SurveyRetention(survey.slug, months, survey.retention_free_text, cutoff, count, texts))
    if not dry_run and any(line.responses or line.texts for line in done):
        answers_changed.send(None, reason="anonymised")  # customer-filtered figures change: cached ones go
    return done


def run_retention(as_of: date | None = None, dry_run: bool = False) -> list[SurveyRetention]:
    """Apply retention as of ``as_of`` (default today, UTC) and commit."""
    now = utcnow()
    lines = apply_retention(as_of or now.date(), dry_run=dry_run, now=now)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return lines
