"""Reading responses for the staff list."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from ..customers.models import Customer
from ..extensions import db
from ..i18n import LANGUAGES
from ..routing import day_arg
from ..surveys.models import Survey, SurveyKind
from ..taxonomy import BUCKETS, CAUSE_GROUPS, PENDING, UNCLASSIFIED, cause_group
from .models import Answer, Channel, Response

PER_PAGE = 50
#: Surveys a list link may name at most (as the report filter).
MAX_SURVEYS = 50


@dataclass
class ResponseFilter:
    """What the staff response list is narrowed to; unknown choices are ignored, a bad date is refused.

    Besides the list's own form, it takes what the report's filter narrows to (several surveys, a kind, a segment,
    an account manager, a cause group), so every count on the dashboard links to the responses behind it.
    """

    survey: str = ""
    channel: str = ""
    locale: str = ""
    bucket: str = ""
    since: date | None = None
    until: date | None = None
    #: More surveys named by a dashboard link (the first is ``survey``).
    more_surveys: tuple[str, ...] = ()
    kind: str = ""
    segment: str = ""
    manager: int | None = None
    group: str = ""

    @classmethod
    def from_args(cls, args: MultiDict) -> ResponseFilter:
        """Read the filter from query arguments, dropping choices that are not offered.

        :raise BadQueryValue: if a date is not a date between 1900 and 2999.
        """
        channel = args.get("channel", "")
        locale = args.get("locale", "")
        bucket = args.get("bucket", "")
        kind = args.get("kind", "")
        group = args.get("group", "")
        manager = args.get("manager", "")
        surveys = [s.strip()[:64] for s in args.getlist("survey") if s.strip()][:MAX_SURVEYS]
        return cls(
            survey=surveys[0] if surveys else "",
            channel=channel if channel in {c.value for c in Channel} else "",
            locale=locale if locale in LANGUAGES else "",
            bucket=bucket if bucket in (*BUCKETS, UNCLASSIFIED, PENDING) else "",
            since=day_arg("since", args),
            until=day_arg("until", args),
            more_surveys=tuple(surveys[1:]),
            kind=kind if kind in (SurveyKind.EXIT.value, SurveyKind.LOYALTY.value) else "",
            segment=args.get("segment", "").strip()[:64],
            manager=int(manager) if manager.isdigit() and len(manager) < 10 else None,
            group=group if group in CAUSE_GROUPS else "",
        )

    def as_args(self) -> dict[str, object]:
        """The filter as query arguments (empty ones left out)."""
        args: dict[str, object] = {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(self).items()
                                   if v and k not in ("survey", "more_surveys")}
        if self.survey:
            args["survey"] = [self.survey, *self.more_surveys]
        return args


def search_responses(filters: ResponseFilter, page: int = 1) -> Pagination:
    """Return one page of responses matching ``filters``, newest first, answers loaded."""
    query = filtered_responses(filters).order_by(Response.submitted_at.desc(), Response.id.desc())
    return db.paginate(query, page=max(page, 1), per_page=PER_PAGE, error_out=False)


def filtered_responses(filters: ResponseFilter) -> Select:
    """The query of the responses matching ``filters`` (unordered), answers, customers and surveys loaded.

    Staff surveys' answers (the team's beliefs) are listed only when their survey is chosen, never among customers'.
    """
    query = select(Response).options(selectinload(Response.answers), selectinload(Response.customer),
                                     selectinload(Response.survey))
    if filters.survey:
        slugs = [filters.survey, *filters.more_surveys]
        query = query.join(Survey, Survey.id == Response.survey_id).where(Survey.slug.in_(slugs))
        if len(slugs) > 1:  # a dashboard link: staff surveys count nothing there
            query = query.where(Survey.kind != SurveyKind.STAFF)
    else:
        query = query.where(Response.survey_id.not_in(select(Survey.id).where(Survey.kind == SurveyKind.STAFF)))
    if filters.kind:
        query = query.where(Response.survey_id.in_(select(Survey.id).where(Survey.kind == SurveyKind(filters.kind))))
    customer = [*([Customer.segment == filters.segment] if filters.segment else []),
                *([Customer.account_manager_id == filters.manager] if filters.manager is not None else [])]
    if customer:
        query = query.where(Response.customer_id.in_(select(Customer.id).where(*customer)))
    if filters.group:
        query = query.where(Response.primary_bucket.in_([b for b in BUCKETS if cause_group(b) == filters.group]))
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
    return query


def filter_choices() -> dict[str, list]:
    """Values offered in the filter form."""
    surveys = db.session.execute(select(Survey.slug).order_by(Survey.slug)).scalars().all()
    return {"surveys": surveys, "channels": [c.value for c in Channel], "locales": list(LANGUAGES),
            "buckets": [*BUCKETS, UNCLASSIFIED, PENDING]}


def get_response(response_id: int) -> Response | None:
    """Return one response with its answers and questions."""
    return db.session.scalar(select(Response).where(Response.id == response_id)
                             .options(selectinload(Response.answers).selectinload(Answer.question)))
