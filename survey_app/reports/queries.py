"""Aggregates for reports, computed in the database with GROUP BY."""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..responses.models import Answer, Response
from ..surveys.models import Survey


def bucket_counts(survey: Survey) -> dict[str, int]:
    """Count each response's cause (its primary answer) per bucket, ``unclassified`` included."""
    rows = db.session.execute(
        select(Answer.bucket, func.count())
        .join(Response, Response.id == Answer.response_id)
        .where(Response.survey_id == survey.id, Answer.is_primary.is_(True))
        .group_by(Answer.bucket)
    )
    return {bucket: count for bucket, count in rows if bucket}


def response_count(survey: Survey) -> int:
    """Count the survey's responses."""
    return db.session.scalar(select(func.count()).select_from(Response).where(Response.survey_id == survey.id)) or 0
