"""What the API reads and answers, as marshmallow schemas: they check requests and write the OpenAPI document."""
from __future__ import annotations

from datetime import datetime, timezone

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from ..bounds import MAX_DATE, MIN_DATE
from ..customers.models import CustomerStatus
from ..i18n import LANGUAGES
from ..lost.periods import UNITS
from ..reports.filters import CHANNELS, KINDS, PERIODS, WEIGHTS
from ..surveys.models import QuestionType, SurveyKind, SurveyState
from ..taxonomy import BENCHMARKS, BUCKETS, CAUSE_GROUPS, N_, PENDING, UNCLASSIFIED
from ..winback.rules import CaseState

#: Rows one bulk request may carry.
MAX_ROWS = 1000
#: Responses one page may hold.
MAX_LIMIT = 200
DEFAULT_LIMIT = 50

class UtcDateTime(fields.DateTime):
    """A moment in UTC, written with its offset (RFC 3339); the database keeps naive UTC times."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)

class OneOf(validate.OneOf):
    """marshmallow's OneOf (so the document lists the choices), with its message in the request's language."""

    def _format_error(self, value) -> str:
        return _("Use one of: %(values)s.", values=self.choices_text)


class Range(validate.Range):
    """marshmallow's Range for whole numbers, with its message in the request's language."""

    def _format_error(self, value, message) -> str:
        return _("Give a whole number from %(min)s to %(max)s.", min=self.min, max=self.max)


class Length(validate.Length):
    """marshmallow's Length, with its message in the request's language."""

    def _format_error(self, value, message) -> str:
        if self.min and (self.max is None or len(value) < self.min):
            return _("Give at least %(min)s.", min=self.min)
        return _("Give at most %(max)s (characters or items).", max=self.max)


def _in_years(day) -> None:
    """Refuse dates outside 1900–2999, as every date the application reads."""
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValidationError(_("Give a date between %(first)s and %(last)s.", first=MIN_DATE.isoformat(),
                                last=MAX_DATE.isoformat()))


def Day(**kwargs) -> fields.Date:  # noqa: N802  (a field, named like the others)
    """A date (YYYY-MM-DD) between 1900 and 2999."""
    return fields.Date(validate=_in_years, **kwargs)


def _nullable(field: fields.Field) -> fields.Field:
    field.allow_none = True
    return field

class ProblemSchema(Schema):
    """An error (RFC 9457 problem details), in the language asked for."""

    type = fields.String(required=True, metadata={"description": N_("URI reference naming the kind of problem.")})
    title = fields.String(required=True, metadata={"description": N_("Short summary, translated.")})
    status = fields.Integer(required=True, metadata={"description": N_("The HTTP status code.")})
    detail = fields.String(required=True, metadata={"description": N_("What went wrong and what to do, translated.")})
    instance = fields.String(metadata={"description": N_("The path of the request.")})
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(),
                         metadata={"description": N_("Messages per field (request validation).")})

# Surveys

class QuestionSchema(Schema):
    """A question of a survey."""

    id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    type = fields.String(required=True, metadata={"enum": [t.value for t in QuestionType]})
    required = fields.Boolean(required=True)
    text = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                       metadata={"description": N_("Question text per language code.")})

class SurveySchema(Schema):
    """A survey."""

    slug = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": [k.value for k in SurveyKind]})
    state = fields.String(required=True, metadata={"enum": [s.value for s in SurveyState]})
    default_locale = fields.String(required=True)
    anonymous = fields.Boolean(required=True)
    open_link = fields.Boolean(required=True)
    opens_at = _nullable(UtcDateTime(required=True))
    closes_at = _nullable(UtcDateTime(required=True))
    title = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    responses = fields.Integer(required=True, metadata={"description": N_("Responses received.")})

class SurveyDetailSchema(SurveySchema):
    """A survey with its questions and its reason catalogue."""

    questions = fields.List(fields.Nested(QuestionSchema), required=True)
    reason_codes = fields.List(fields.String(), required=True)

class SurveyListSchema(Schema):
    surveys = fields.List(fields.Nested(SurveySchema), required=True)

# Customers

class CustomerRowSchema(Schema):
    """One customer to create or update, found by ``external_ref``; fields left out stay as they are."""

    external_ref = fields.String(required=True, validate=Length(min=1, max=64))
    name = fields.String(validate=Length(max=200))
    email = _nullable(fields.String())
    locale = fields.String(metadata={"enum": list(LANGUAGES)})
    segment = _nullable(fields.String(validate=Length(max=64)))
    account_manager = _nullable(fields.String(metadata={"description": N_("Email of a staff account.")}))
    annual_revenue = _nullable(fields.Decimal(metadata={"description": N_("Amount, not negative.")}))
    customer_since = _nullable(Day())
    last_purchase = _nullable(Day())
    status = fields.String(metadata={"enum": [s.value for s in CustomerStatus]})
    lost_at = _nullable(Day())

class CustomerSchema(Schema):
    """A customer."""

    external_ref = fields.String(required=True)
    name = fields.String(required=True)
    email = _nullable(fields.String(required=True))
    locale = fields.String(required=True)
    segment = _nullable(fields.String(required=True))
    account_manager = _nullable(fields.String(required=True))
    annual_revenue = _nullable(fields.String(required=True, metadata={"description": N_("Decimal amount as text.")}))
    customer_since = _nullable(Day(required=True))
    last_purchase = _nullable(Day(required=True))
    status = fields.String(required=True, metadata={"enum": [s.value for s in CustomerStatus]})
    lost_at = _nullable(Day(required=True))
    returned_at = _nullable(fields.Date(required=True))
    unreachable = fields.Boolean(required=True)
    opted_out = fields.Boolean(required=True)
    created_at = UtcDateTime(required=True)

class RowErrorSchema(Schema):
    """A refused row: its position in the list (from 0), its reference and the messages per field."""

    index = fields.Integer(required=True)
    external_ref = _nullable(fields.String(required=True))
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)

class BulkResultSchema(Schema):
    """What a bulk request did: rows created, updated or skipped (already there), and those refused."""

    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    skipped = fields.Integer(required=True)
    refused = fields.List(fields.Nested(RowErrorSchema), required=True)

class ErasedSchema(Schema):
    external_ref = fields.String(required=True)
    responses_kept_anonymously = fields.Integer(required=True)

# Purchases

class PurchaseRowSchema(Schema):
    """One purchase of a known customer; a purchase already recorded (same order reference, or without one the
    same day and amount) is skipped."""

    external_ref = fields.String(required=True, validate=Length(min=1, max=64))
    date = Day(required=True)
    amount = fields.Decimal(required=True, metadata={"description": N_("Amount, not negative.")})
    order_ref = _nullable(fields.String(validate=Length(max=64)))

# Invitations

class InvitationRequestSchema(Schema):
    customers = fields.List(fields.String(validate=Length(min=1, max=64)), required=True,
                            validate=Length(min=1, max=MAX_ROWS),
                            metadata={"description": N_("External references of the customers to invite.")})

class InvitationSchema(Schema):
    external_ref = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": N_("The customer's personal link (shown only now).")})
    locale = fields.String(required=True)
    expires_at = _nullable(UtcDateTime(required=True))

class InvitationResultSchema(Schema):
    invitations = fields.List(fields.Nested(InvitationSchema), required=True)
    refused = fields.List(fields.Nested(RowErrorSchema), required=True)

# Responses

class ResponseArgsSchema(Schema):
    """The report filters, and the page."""

    survey = fields.List(fields.String(validate=Length(max=64)), metadata={"description": N_("Survey slug.")})
    kind = fields.String(validate=OneOf(KINDS))
    channel = fields.String(validate=OneOf(CHANNELS))
    locale = fields.String(validate=OneOf(list(LANGUAGES)))
    bucket = fields.String(validate=OneOf([*BUCKETS, UNCLASSIFIED, PENDING]),
                           metadata={"description": N_("Bucket of the response's main answer.")})
    group = fields.String(validate=OneOf(CAUSE_GROUPS))
    since = Day()
    until = Day()
    segment = fields.String(validate=Length(max=64))
    manager = fields.Integer(validate=Range(min=1, max=999_999_999),
                             metadata={"description": N_("Staff id of the customers' account manager.")})
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=Range(min=1, max=MAX_LIMIT))
    cursor = fields.String(validate=Length(max=200),
                           metadata={"description": N_("The next_cursor of the previous page.")})

class AnswerSchema(Schema):
    question_id = fields.Integer(required=True)
    question_type = fields.String(required=True)
    reason_code = _nullable(fields.String(required=True))
    text = _nullable(fields.String(required=True))
    number = _nullable(fields.Integer(required=True))
    bucket = _nullable(fields.String(required=True))
    cause_group = _nullable(fields.String(required=True))
    source = _nullable(fields.String(required=True, metadata={"enum": ["choice", "model", "staff", None]}))
    confidence = _nullable(fields.Float(required=True))
    model_version = _nullable(fields.String(required=True))
    is_primary = fields.Boolean(required=True)
    reviewed_at = _nullable(UtcDateTime(required=True))

class ResponseSchema(Schema):
    id = fields.Integer(required=True)
    survey = fields.String(required=True)
    customer = _nullable(fields.String(required=True, metadata={"description": N_("External reference.")}))
    locale = fields.String(required=True)
    channel = fields.String(required=True, metadata={"enum": list(CHANNELS)})
    submitted_at = UtcDateTime(required=True)
    primary_bucket = _nullable(fields.String(required=True))
    answers = fields.List(fields.Nested(AnswerSchema), required=True)

class ResponsePageSchema(Schema):
    responses = fields.List(fields.Nested(ResponseSchema), required=True)
    next_cursor = _nullable(fields.String(required=True, metadata={"description": N_("null on the last page.")}))

# Reports

class BreakdownArgsSchema(Schema):
    """The report filter of the staff reports."""

    survey = fields.List(fields.String(validate=Length(max=80)))
    kind = fields.String(validate=OneOf(KINDS))
    since = Day()
    until = Day()
    locale = fields.String(validate=OneOf(list(LANGUAGES)))
    segment = fields.String(validate=Length(max=64))
    manager = fields.Integer(validate=Range(min=1, max=999_999_999))
    channel = fields.String(validate=OneOf(CHANNELS))
    benchmark = fields.String(validate=OneOf(list(BENCHMARKS)))
    period = fields.String(validate=OneOf(PERIODS))
    weight = fields.String(validate=OneOf(WEIGHTS))

class ShareSchema(Schema):
    count = fields.Integer(required=True)
    share = fields.Float(required=True)
    interval_95 = fields.List(fields.Float())
    benchmark_share = fields.Float(required=True)

class RevenueShareSchema(Schema):
    revenue = fields.Float(required=True)
    share = fields.Float(required=True)

class RevenueSchema(Schema):
    total = fields.Float(required=True)
    unclassified = fields.Float(required=True)
    answers_without_revenue = fields.Integer(required=True)
    buckets = fields.Dict(keys=fields.String(), values=fields.Nested(RevenueShareSchema), required=True)
    cause_groups = fields.Dict(keys=fields.String(), values=fields.Nested(RevenueShareSchema), required=True)

class BenchmarkSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    citation = fields.String(required=True)

class BreakdownSchema(Schema):
    """As ``flask reports breakdown --format json`` prints it."""

    surveys = fields.List(fields.String(), required=True)
    filter = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)
    responses = fields.Integer(required=True)
    n = fields.Integer(required=True)
    unclassified = fields.Integer(required=True)
    pending = fields.Integer(required=True)
    buckets = fields.Dict(keys=fields.String(), values=fields.Nested(ShareSchema), required=True)
    cause_groups = fields.Dict(keys=fields.String(), values=fields.Nested(ShareSchema), required=True)
    benchmark = fields.Nested(BenchmarkSchema, required=True)
    revenue = fields.Nested(RevenueSchema)

class LostArgsSchema(Schema):
    unit = fields.String(load_default="quarter", validate=OneOf(UNITS))
    since = Day(metadata={"description": N_("Default: a span ending on until, as the staff page shows.")})
    until = Day(metadata={"description": N_("Default: today.")})

class LostRowSchema(Schema):
    manager = _nullable(fields.String(required=True))
    customers = fields.Integer(required=True)
    lost = fields.Integer(required=True)
    ratio = _nullable(fields.Float(required=True, metadata={"description": N_("Lost per hundred customers.")}))
    lost_revenue = fields.Float(required=True)

class LostPeriodSchema(Schema):
    period = fields.String(required=True)
    managers = fields.List(fields.Nested(LostRowSchema), required=True)
    total = fields.Nested(LostRowSchema, required=True)

class LostRatioSchema(Schema):
    unit = fields.String(required=True)
    since = Day(required=True)
    until = Day(required=True)
    periods = fields.List(fields.Nested(LostPeriodSchema), required=True)

# Win-back

class CaseArgsSchema(Schema):
    state = fields.String(validate=OneOf([s.value for s in CaseState]))
    priority = fields.Integer(validate=Range(min=1, max=4))
    reason = fields.String(validate=OneOf(BUCKETS))
    owner = fields.Integer(validate=Range(min=1, max=2**31 - 1), metadata={"description": N_("Staff id.")})

class CaseSchema(Schema):
    id = fields.Integer(required=True)
    customer = fields.String(required=True, metadata={"description": N_("External reference.")})
    lost_at = Day(required=True)
    priority = fields.Integer(required=True)
    state = fields.String(required=True, metadata={"enum": [s.value for s in CaseState]})
    owner = _nullable(fields.String(required=True, metadata={"description": N_("Email of the staff owner.")}))
    reason_code = _nullable(fields.String(required=True))
    reason_bucket = _nullable(fields.String(required=True))
    offer = fields.String(required=True)
    agreed_at = _nullable(fields.Date(required=True))
    returned_at = _nullable(fields.Date(required=True))
    days_to_return = _nullable(fields.Integer(required=True))
    return_channel = _nullable(fields.String(required=True))

class CaseListSchema(Schema):
    cases = fields.List(fields.Nested(CaseSchema), required=True)

class SpanArgsSchema(Schema):
    since = Day(metadata={"description": N_("First lost date counted.")})
    until = Day(metadata={"description": N_("Last lost date counted.")})

class RateSchema(Schema):
    key = _nullable(fields.Raw(required=True, metadata={"type": ["string", "integer"]}))
    cases = fields.Integer(required=True)
    won_back = fields.Integer(required=True)
    rate = _nullable(fields.Float(required=True))
    median_days = _nullable(fields.Float(required=True))
    recovered = fields.Float(required=True)

class WinbackResultsSchema(Schema):
    total = fields.Nested(RateSchema, required=True)
    by_priority = fields.List(fields.Nested(RateSchema), required=True)
    by_bucket = fields.List(fields.Nested(RateSchema), required=True)
    by_group = fields.List(fields.Nested(RateSchema), required=True)
    by_manager = fields.List(fields.Nested(RateSchema), required=True)
    by_channel = fields.List(fields.Nested(RateSchema), required=True)

class CustomerBulkSchema(Schema):
    """Customers to create or update."""

    customers = fields.List(fields.Nested(CustomerRowSchema), required=True, validate=Length(max=MAX_ROWS))

class PurchaseBulkSchema(Schema):
    """Purchases to add."""

    purchases = fields.List(fields.Nested(PurchaseRowSchema), required=True, validate=Length(max=MAX_ROWS))
