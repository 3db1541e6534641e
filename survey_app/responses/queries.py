"""Reading responses for the staff list."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..i18n import LANGUAGES
from ..routing import day_arg
from ..surveys.models import Survey, SurveyKind
from ..taxonomy import BUCKETS, PENDING, UNCLASSIFIED
from .models import Answer, Channel, Response

PER_PAGE = 50


@dataclass
class ResponseFilter:
    """What the staff response list is narrowed to; unknown choices are ignored, a bad date is refused."""

    survey: str = ""
    channel: str = ""
    locale: str = ""
    bucket: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args: MultiDict) -> ResponseFilter:
        """Read the filter from query arguments, dropping choices that are not offered.

        :raise BadQueryValue: if a date is not a date between 1900 and 2999.
        """
        channel = args.get("channel", "")
        locale = args.get("locale", "")
        bucket = args.get("bucket", "")
        return cls(
            survey=args.get("survey", "")[:64],
            channel=channel if channel in {c.value for c in Channel} else "",
            locale=locale if locale in LANGUAGES else "",
            bucket=bucket if bucket in (*BUCKETS, UNCLASSIFIED, PENDING) else "",
            since=day_arg("since", args),
            until=day_arg("until", args),
        )

    def as_args(self) -> dict[str, str]:
        """The filter as query arguments (empty ones left out)."""
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(self).items() if v}


def search_responses(filters: ResponseFilter, page: int = 1) -> Pagination:
    """Return one page of responses matching ``filters``, newest first, answers loaded.

    Staff surveys' answers (the team's beliefs) are listed only when their survey is chosen, never among customers'.
    """
    query = (select(Response).options(selectinload(Response.answers), selectinload(Response.customer),
                                      selectinload(Response.survey))
             .order_by(Response.submitted_at.desc(), Response.id.desc()))
    if filters.survey:
        query = query.join(Survey, Survey.id == Response.survey_id).where(Survey.slug == filters.survey)
    else:
        query = query.where(Response.survey_id.not_in(select(Survey.id).where(Survey.kind == SurveyKind.STAFF)))
    if filters.channel:
        query = query.where(Response.channel == Channel(filters.channel))
    if filters.locale:
        query = query.where(Response.locale == filters.locale)
    if filters.since:
        query = query.where(Response.submitted_at >= datetime.combine(filters.since, time.min))
    if filters.until:
        query = query.where(Response.submitted_at < datetime.combine(filters.until + timedelta(days=1), time.min))
    if filters.bucket:
        primary = select(Answer.response_id).where(Answer.is_primary.is_(True), Answer.bucket == filters.bucket)
        query = query.where(Response.id.in_(primary))
    return db.paginate(query, page=max(page, 1), per_page=PER_PAGE, error_out=False)


def filter_choices() -> dict[str, list]:
    """Values offered in the filter form."""
    surveys = db.session.execute(select(Survey.slug).order_by(Survey.slug)).scalars().all()
    return {"surveys": surveys, "channels": [c.value for c in Channel], "locales": list(LANGUAGES),
            "buckets": [*BUCKETS, UNCLASSIFIED, PENDING]}


def get_response(response_id: int) -> Response | None:
    """Return one response with its answers and questions."""
    return db.session.scalar(select(Response).where(Response.id == response_id)
                             .options(selectinload(Response.answers).selectinload(Answer.question)))
