"""Aggregates for reports, computed in the database with GROUP BY over the filtered responses."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import Select, and_, case, cast, func, literal_column, or_, select
from sqlalchemy.sql.elements import ColumnElement

from ..auth.models import StaffUser
from ..bounds import MAX_AMOUNT
from ..customers.models import Customer, CustomerStatus
from ..domain import NotFound
from ..extensions import db
from ..invitations import counts as invitation_counts
from ..invitations.models import Invitation
from ..responses.models import Answer, Response
from ..surveys.models import Survey, SurveyKind
from .filters import ReportFilter


class UnknownSurvey(NotFound):
    """A survey slug in the filter names no survey."""

    code = "no_such_survey"

    def __init__(self, slug: str) -> None:
        super().__init__(slug=slug[:80])
        self.slug = slug


def survey_ids(f: ReportFilter, *, any_kind: bool = False) -> list[int] | None:
    """Ids of the customer surveys the filter counts; None when it counts every survey.

    Staff surveys never count here: their answers are the team's beliefs, not customers' causes (only
    ``staff_bucket_counts`` reads them). A staff survey named in the filter exists but counts nothing.

    :raise UnknownSurvey: if a slug names no survey.
    """
    if not f.surveys and (f.kind is None or any_kind) and not _has_staff_surveys():
        return None
    query = select(Survey.id, Survey.slug, Survey.kind)
    if f.surveys:
        query = query.where(Survey.slug.in_(f.surveys))
    elif f.kind is not None and not any_kind:
        query = query.where(Survey.kind == f.kind)
    rows = db.session.execute(query).all()
    if f.surveys:
        missing = set(f.surveys) - {slug for _id, slug, _kind in rows}
        if missing:
            raise UnknownSurvey(sorted(missing)[0])
    # A named survey of the other kind exists but counts nothing.
    return [survey_id for survey_id, _slug, kind in rows
            if kind != SurveyKind.STAFF and (any_kind or f.kind is None or kind == f.kind)]


def _has_staff_surveys() -> bool:
    return db.session.scalar(select(Survey.id).where(Survey.kind == SurveyKind.STAFF).limit(1)) is not None


def staff_survey_ids(f: ReportFilter) -> list[int]:
    """Ids of the staff surveys whose answers the three-way comparison counts: those the filter names, else all.

    :raise UnknownSurvey: if a slug names no survey.
    """
    query = select(Survey.id, Survey.slug, Survey.kind)
    if f.surveys:
        query = query.where(Survey.slug.in_(f.surveys))
    rows = db.session.execute(query).all()
    if f.surveys:
        missing = set(f.surveys) - {slug for _id, slug, _kind in rows}
        if missing:
            raise UnknownSurvey(sorted(missing)[0])
    staff = [survey_id for survey_id, _slug, kind in rows if kind == SurveyKind.STAFF]
    if f.surveys and not staff:  # only customer surveys named: every staff survey gives the team's view
        staff = list(db.session.scalars(select(Survey.id).where(Survey.kind == SurveyKind.STAFF)))
    return staff


def staff_bucket_counts(f: ReportFilter) -> dict[str, int]:
    """What the team believes: the staff surveys' answers per bucket (``unclassified`` included), in the filter's
    dates. Language, segment, account manager and channel describe customers and do not narrow staff answers."""
    ids = staff_survey_ids(f)
    if not ids:
        return {}
    bucket = Response.primary_bucket
    rows = db.session.execute(select(bucket, func.count()).select_from(Response)
                              .where(Response.survey_id.in_(ids), *_day_range(Response.submitted_at, f))
                              .group_by(bucket))
    return {bucket_name: count for bucket_name, count in rows if bucket_name}


def _day_range(column, f: ReportFilter) -> list[ColumnElement]:
    conditions = []
    if f.since is not None:
        conditions.append(column >= datetime.combine(f.since, datetime.min.time()))
    if f.until is not None:
        conditions.append(column <= datetime.combine(f.until, time.max))
    return conditions


def _customer_conditions(f: ReportFilter) -> list[ColumnElement]:
    conditions = []
    if f.segment is not None:
        conditions.append(Customer.segment == f.segment)
    if f.manager is not None:
        conditions.append(Customer.account_manager_id == f.manager)
    return conditions


#: Responses with ``after < id <= upto`` (a cached figure is brought up to date by counting only newer ones).
IdRange = tuple[int, int]


def _narrow(query: Select, f: ReportFilter, *, any_kind: bool = False, with_customer: bool = False,
            ids: IdRange | None = None) -> Select:
    """Add the filter's conditions (and an id range) to a query over ``response``."""
    if ids is not None:
        query = query.where(*_id_range(Response.id, ids))
    ids = survey_ids(f, any_kind=any_kind)
    if ids is not None:
        query = query.where(Response.survey_id.in_(ids))
    query = query.where(*_day_range(Response.submitted_at, f))
    if f.locale is not None:
        query = query.where(Response.locale == f.locale)
    if f.channel is not None:
        query = query.where(Response.channel == f.channel)
    if customer := _customer_conditions(f):
        # The customers' ids, not a join: the database goes from the (few) matching customers to their responses
        # rather than reading every response in the order of a grouping index and looking up its customer.
        query = query.where(Response.customer_id.in_(select(Customer.id).where(*customer)))
        if with_customer:
            query = query.join(Customer, Customer.id == Response.customer_id)
    elif with_customer:
        query = query.outerjoin(Customer, Customer.id == Response.customer_id)
    return query


def filtered_answers(f: ReportFilter, *columns, any_kind: bool = False, with_customer: bool = False,
                     primary_only: bool = True, ids: IdRange | None = None) -> Select:
    """SELECT ``columns`` over the answers of the responses the filter counts; by default only each response's
    primary answer (its cause)."""
    query = select(*columns).select_from(Answer).join(Response, Response.id == Answer.response_id)
    if primary_only:
        query = query.where(Answer.is_primary.is_(True))
    return _narrow(query, f, any_kind=any_kind, with_customer=with_customer, ids=ids)


def filtered_responses(f: ReportFilter, *columns, any_kind: bool = False, ids: IdRange | None = None) -> Select:
    """SELECT ``columns`` over the responses the filter counts, each with its cause (``Response.primary_bucket``,
    the bucket of its primary answer): no answer is read."""
    return _narrow(select(*columns).select_from(Response), f, any_kind=any_kind, ids=ids)


def _id_range(column, ids: IdRange) -> list[ColumnElement]:
    after, upto = ids
    return [column <= upto, *([column > after] if after else [])]


def bucket_counts(f: ReportFilter, ids: IdRange | None = None) -> dict[str, int]:
    """Count each response's cause per bucket, ``unclassified`` included (the dashboard adds up ``cause_counts``;
    this counts the buckets alone, e.g. for a few customers, without grouping by survey and month)."""
    bucket = Response.primary_bucket
    rows = db.session.execute(filtered_responses(f, bucket, func.count(), ids=ids).group_by(bucket))
    return {bucket_name: count for bucket_name, count in rows if bucket_name}


def response_count(f: ReportFilter, ids: IdRange | None = None) -> int:
    """Count the responses the filter covers, with or without a cause."""
    return db.session.scalar(_narrow(select(func.count()).select_from(Response), f, ids=ids)) or 0


def kind_bucket_counts(f: ReportFilter, ids: IdRange | None = None) -> dict[str, dict[str, int]]:
    """Bucket counts per survey kind (exit, loyalty), whatever kind the filter names."""
    cells, kinds = cause_counts(f, ids), survey_kinds()
    return {kind: total_causes(of_kind(cells, kinds, kind)) for kind in ("exit", "loyalty")}


def cause_counts(f: ReportFilter, ids: IdRange | None = None) -> dict[tuple[int, str | None], dict[str, int]]:
    """Causes per survey and month, ``{(survey id, 'YYYY-MM'): {bucket: count}}``, whatever kind the filter names;
    responses without a cause are counted under ``""``.

    One pass over an index (grouped in its order) gives what the bucket, kind, monthly and response figures add up.
    """
    bucket = Response.primary_bucket
    rows = db.session.execute(
        filtered_responses(f, Response.survey_id, Response.submitted_month, bucket, func.count(), any_kind=True,
                           ids=ids).group_by(Response.survey_id, Response.submitted_month, bucket))
    result: dict[tuple[int, str | None], dict[str, int]] = {}
    for survey_id, month, bucket_name, count in rows:
        result.setdefault((survey_id, month), {})[bucket_name or ""] = count
    return result


def survey_kinds() -> dict[int, str]:
    """The kind (exit, loyalty, staff) of each survey, by id."""
    return {survey_id: str(getattr(kind, "value", kind))
            for survey_id, kind in db.session.execute(select(Survey.id, Survey.kind))}


#: Causes per (survey id, month), as ``cause_counts`` gives them.
Cells = dict[tuple[int, str | None], dict[str, int]]


def of_kind(cells: Cells, kinds: dict[int, str], kind: str | None) -> list[tuple[str | None, dict[str, int]]]:
    """(month, {bucket: count}) of the surveys of one kind (of every kind for None)."""
    return [(month, cell) for (survey_id, month), cell in cells.items() if kind is None or kinds.get(survey_id) == kind]


def total_causes(rows: list[tuple[str | None, dict[str, int]]]) -> dict[str, int]:
    """Add up causes per bucket (responses without a cause left out)."""
    total: dict[str, int] = {}
    for _month, cell in rows:
        for bucket, count in cell.items():
            if bucket:
                total[bucket] = total.get(bucket, 0) + count
    return total


def causes_by_period(rows: list[tuple[str | None, dict[str, int]]], unit: str) -> list[tuple[date, dict[str, int]]]:
    """Add up causes per month, or per quarter (its three months), oldest first; empty periods left out."""
    periods: dict[date, dict[str, int]] = {}
    for month, cell in rows:
        if not month:
            continue
        day = date.fromisoformat(month + "-01")
        if unit == "quarter":
            day = day.replace(month=day.month - (day.month - 1) % 3)
        for bucket, count in cell.items():
            if bucket:
                counts = periods.setdefault(day, {})
                counts[bucket] = counts.get(bucket, 0) + count
    return sorted(periods.items())


def period_start(column, unit: str, dialect: str) -> ColumnElement:
    """SQL for the first day ('YYYY-MM-DD', or 'YYYY-MM' for a month on SQLite) of the week (Monday), month or
    quarter of a timestamp."""
    # Constants are written into the SQL, not bound: the SELECT and the GROUP BY are then one expression,
    # computed once per row.
    if dialect == "postgresql":
        return func.to_char(func.date_trunc(_sql_text(unit), column), _sql_text("YYYY-MM-DD"))
    if unit == "week":  # the day (not the instant, which SQLite rounds), next Sunday or this one, then its Monday
        return func.date(column, _sql_text("start of day"), _sql_text("weekday 0"), _sql_text("-6 days"))
    if unit == "quarter":
        months_in = (cast(func.strftime(_sql_text("%m"), column), db.Integer) - 1) % 3
        return func.date(column, _sql_text("start of month"), func.printf(_sql_text("-%d months"), months_in))
    # SQLite keeps timestamps as ISO text: the month is its first seven characters ('YYYY-MM', far cheaper
    # than date(); the caller reads it as the first day).
    return func.substr(column, literal_column("1"), literal_column("7"))


def _sql_text(constant: str) -> ColumnElement:
    """A string constant written into the SQL (only ever one of the fixed strings above)."""
    return literal_column("'" + constant.replace("'", "''") + "'")


def trend_counts(f: ReportFilter, ids: IdRange | None = None) -> list[tuple[date, dict[str, int]]]:
    """Bucket counts per week, month or quarter (``f.period``), oldest first; empty periods left out."""
    if f.period != "week":  # added up from the causes per survey and month
        return causes_by_period(of_kind(cause_counts(f, ids), survey_kinds(), f.kind), f.period)
    start = period_start(Response.submitted_at, "week", db.session.get_bind().dialect.name).label("start")
    bucket = Response.primary_bucket
    rows = db.session.execute(filtered_responses(f, start, bucket, func.count(), ids=ids)
                              .group_by(start, bucket).order_by(start))
    periods: dict[str, dict[str, int]] = {}
    for first_day, bucket_name, count in rows:
        if bucket_name:
            periods.setdefault(first_day, {})[bucket_name] = count
    return [(date.fromisoformat(day), counts) for day, counts in periods.items()]


def revenue_by_bucket(f: ReportFilter, ids: IdRange | None = None) -> tuple[dict[str, Decimal], dict[str, int]]:
    """Annual revenue of the customers behind each bucket's answers, and per bucket the answers whose revenue
    is unknown (anonymous, erased, no revenue recorded, or an amount no form or import accepts)."""
    # Responses are counted per customer and bucket first (in the order of an index), so each customer's
    # revenue is read once per bucket rather than once per response.
    per_customer = filtered_responses(f, Response.customer_id, Response.primary_bucket, func.count().label("n"),
                                      ids=ids).group_by(Response.customer_id, Response.primary_bucket).subquery()
    # Amounts outside 0 ≤ x < 10¹² (an infinity an older form let through) are unknown, not summed.
    known = and_(Customer.annual_revenue >= 0, Customer.annual_revenue < MAX_AMOUNT)
    rows = db.session.execute(
        select(per_customer.c.primary_bucket, func.sum(case((known, Customer.annual_revenue * per_customer.c.n))),
               func.sum(case((known, 0), else_=per_customer.c.n)))
        .select_from(per_customer).outerjoin(Customer, Customer.id == per_customer.c.customer_id)
        .group_by(per_customer.c.primary_bucket))
    revenue, unknown = {}, {}
    for bucket, total, missing in rows:
        if bucket:
            revenue[bucket] = Decimal(total or 0)
            unknown[bucket] = int(missing or 0)
    return revenue, unknown


def reach_counts(f: ReportFilter) -> dict[str, int]:
    """Invited → sent → opened → answered, plus departed customers we could not reach.

    ``unreachable`` counts bounced invitations and lost customers (lost in the period) who have no usable
    address and no invitation to the chosen surveys; the channel filter does not apply (invitations are email).
    """
    query = select(
        func.count(), *(func.sum(case((condition, 1), else_=0)) for condition in (
            invitation_counts.IS_SENT, invitation_counts.IS_OPENED, invitation_counts.IS_ANSWERED,
            invitation_counts.IS_BOUNCED)),
    ).select_from(Invitation)
    ids = survey_ids(f)
    if ids is not None:
        query = query.where(Invitation.survey_id.in_(ids))
    query = query.where(*_day_range(Invitation.created_at, f))
    if f.locale is not None:
        query = query.where(Invitation.locale == f.locale)
    if customer := _customer_conditions(f):
        query = query.join(Customer, Customer.id == Invitation.customer_id).where(*customer)
    invited, sent, opened, answered, bounced = db.session.execute(query).one()

    invited_somewhere = select(Invitation.id).where(Invitation.customer_id == Customer.id)
    if ids is not None:
        invited_somewhere = invited_somewhere.where(Invitation.survey_id.in_(ids))
    lost = select(func.count()).select_from(Customer).where(
        Customer.status == CustomerStatus.LOST,
        or_(Customer.unreachable.is_(True), Customer.email.is_(None), Customer.email == ""),
        ~invited_somewhere.exists(), *_customer_conditions(f))
    if f.locale is not None:
        lost = lost.where(Customer.locale == f.locale)
    if f.since is not None:
        lost = lost.where(Customer.lost_at >= f.since)
    if f.until is not None:
        lost = lost.where(Customer.lost_at <= f.until)
    never_asked = db.session.scalar(lost) or 0
    return {"invited": invited or 0, "sent": sent or 0, "opened": opened or 0, "answered": answered or 0,
            "unreachable": (bounced or 0) + never_asked}


def account_managers() -> list[tuple[int, str]]:
    """(id, name) of the staff members who manage at least one customer, for the filter's choices."""
    managing = select(Customer.account_manager_id).where(Customer.account_manager_id.is_not(None)).distinct()
    return [tuple(row) for row in db.session.execute(
        select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(managing)).order_by(StaffUser.name))]


def segments() -> list[str]:
    """Customer segments in use, for the filter's choices."""
    return list(db.session.scalars(select(Customer.segment).where(Customer.segment.is_not(None))
                                   .distinct().order_by(Customer.segment).limit(200)))

