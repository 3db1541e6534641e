"""The JSON API, ``/api/v1``: thin views over the features' services, authenticated by API key only."""
from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from flask import request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError
from sqlalchemy import func, select
from webargs.core import missing
from webargs.flaskparser import FlaskParser, is_json_request

from ..auth.models import Role, StaffUser
from ..csvimport.rows import RowError
from ..customers import importer as customer_import
from ..customers import messages as customer_messages
from ..customers.models import Customer
from ..customers.services import erase_customer, find_customer
from ..dbtypes import utcnow
from ..extensions import db
from ..invitations.services import InvitationError, create_invitation, invitation_url
from ..lost.periods import default_since, periods
from ..lost.report import lost_ratio
from ..purchases import importer as purchase_import
from ..purchases import messages as purchase_messages
from ..reports.filters import FilterError
from ..reports.filters import from_args as report_filter
from ..reports.services import breakdown_report
from ..responses.models import Response
from ..responses.queries import ResponseFilter, filtered_responses
from ..surveys.models import Survey
from ..surveys.services import get_survey, list_surveys
from ..taxonomy import cause_group
from ..winback.queries import CaseFilter, list_cases, results
from ..winback.rules import CaseState
from ..wsgi_request import load_json
from . import schemas as s
from .access import needs as role_check
from .problems import ApiProblem, translate_messages


class _Parser(FlaskParser):
    """webargs' parser, reading JSON bodies as ``request.get_json`` does: texts without NUL, lone surrogates
    refused."""

    def _raw_load_json(self, req):
        return load_json(req.get_data(cache=True)) if is_json_request(req) else missing


class _Blueprint(Blueprint):
    ARGUMENTS_PARSER = _Parser()


blp = _Blueprint("api_v1", __name__, url_prefix="/api/v1",
                description="Surveys, customers, purchases, invitations, responses and reports, by API key.")

#: Periods the lost-customer ratio covers at most in one request.
MAX_PERIODS = 120
#: Win-back cases listed at most.
MAX_CASES = 1000


def needs(role: Role) -> Callable:
    """Let only keys whose role includes ``role`` call the view (403 for others), and say so in the document."""

    def decorator(view: Callable) -> Callable:
        return blp.doc(**{"x-required-role": role.value})(role_check(role)(view))

    return decorator


def problems(*statuses: int) -> Callable:
    """Document the problems (besides the default) a view answers with."""
    names = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT",
             413: "REQUEST_ENTITY_TOO_LARGE", 422: "UNPROCESSABLE_ENTITY", 429: "TOO_MANY_REQUESTS"}

    def decorator(view: Callable) -> Callable:
        for status in (401, 429, *statuses):
            view = blp.alt_response(status, response=names[status])(view)
        return view

    return decorator


def invalid(**errors: str) -> ApiProblem:
    """A 422 problem with these messages per field."""
    problem = ApiProblem(422, "validation")
    problem.data = {"messages": {"query": {name: [message] for name, message in errors.items()}}}  # type: ignore[attr-defined]
    return problem


# Surveys

def _survey(survey: Survey, responses: int) -> dict:
    return {"slug": survey.slug, "kind": survey.kind.value, "state": survey.state.value,
            "default_locale": survey.default_locale, "anonymous": survey.anonymous, "open_link": survey.open_link,
            "opens_at": survey.opens_at, "closes_at": survey.closes_at, "title": dict(survey.title or {}),
            "responses": responses}


@blp.route("/surveys", methods=["GET"])
@needs(Role.ANALYST)
@problems(403)
@blp.response(200, s.SurveyListSchema)
def surveys():
    """List the surveys

    Every survey, the newest first, with its number of responses.
    """
    return {"surveys": [_survey(survey, n) for survey, n in list_surveys()]}


@blp.route("/surveys/<slug>", methods=["GET"])
@needs(Role.ANALYST)
@problems(403, 404)
@blp.response(200, s.SurveyDetailSchema)
def survey(slug: str):
    """Read a survey

    The survey with its questions (texts per language) and the codes of the reasons it offers.
    """
    found = get_survey(slug)
    if found is None:
        raise ApiProblem(404, "not_found")
    count = db.session.scalar(select(func.count()).select_from(Response).where(Response.survey_id == found.id))
    return {**_survey(found, count or 0), "reason_codes": list(found.reason_codes or []),
            "questions": [{"id": q.id, "position": q.position, "type": q.type.value, "required": q.required,
                           "text": dict(q.text or {})} for q in found.questions]}


# Customers

def _customer(customer: Customer) -> dict:
    return {"external_ref": customer.external_ref, "name": customer.name, "email": customer.email,
            "locale": customer.locale, "segment": customer.segment,
            "account_manager": customer.account_manager.email if customer.account_manager else None,
            "annual_revenue": None if customer.annual_revenue is None else str(customer.annual_revenue),
            "customer_since": customer.customer_since, "last_purchase": customer.last_purchase,
            "status": customer.status.value, "lost_at": customer.lost_at, "returned_at": customer.returned_at,
            "unreachable": customer.unreachable, "opted_out": customer.opted_out, "created_at": customer.created_at}


def _rows(name: str) -> list:
    """The list ``name`` of the JSON body, of at most :data:`MAX_ROWS` rows.

    :raise ApiProblem: 400 for a body that is not JSON, 422 without the list, 413 for too many rows.
    """
    body = request.get_json(silent=True)
    if body is None:
        raise ApiProblem(400, "bad_request")
    rows = body.get(name) if isinstance(body, dict) else None
    if not isinstance(rows, list):
        problem = ApiProblem(422, "validation")
        problem.data = {"messages": {"json": {name: [_("Give a list (a JSON array).")]}}}  # type: ignore[attr-defined]
        raise problem
    if len(rows) > s.MAX_ROWS:
        raise ApiProblem(413, "too_many_rows", max=s.MAX_ROWS)
    return rows


def _as_text(value: object) -> str:
    """A typed value as the CSV importers read it."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _check_rows(rows: list, schema: Schema, check: Callable[[int, dict[str, str]], tuple[dict, list[RowError]]],
                describe: Callable[[RowError], str], refused: list[dict]) -> list[tuple[int, dict]]:
    """Check each row with ``schema`` (types) then the importer's ``check`` (its rules); return the good rows and
    add the refused ones to ``refused``."""
    good = []
    for index, row in enumerate(rows):
        ref = row.get("external_ref") if isinstance(row, dict) else None
        ref = ref if isinstance(ref, str) else None
        by_field: dict[str, list[str]] = {}
        try:
            loaded = schema.load(row)
        except ValidationError as error:
            messages = error.messages if isinstance(error.messages, dict) else {"_row": error.messages}
            by_field.update({str(key): translate_messages(value) for key, value in messages.items()})
            loaded = error.valid_data if isinstance(error.valid_data, dict) else {}
        # The importer's rules on what has the right types (all of it, or what is left to report on).
        values, errors = check(index, {key: _as_text(value) for key, value in loaded.items()
                                       if key not in by_field})
        for row_error in errors:
            if not (row_error.column in by_field or (by_field and row_error.column == "external_ref")):
                by_field.setdefault(row_error.column or "_row", []).append(describe(row_error))
        if by_field:
            refused.append({"index": index, "external_ref": ref, "errors": by_field})
        else:
            good.append((index, values))
    return good


def _row_refusals(errors: list[RowError], rows: list, describe: Callable[[RowError], str]) -> list[dict]:
    return [{"index": e.line, "external_ref": rows[e.line].get("external_ref"),
             "errors": {e.column or "_row": [describe(e)]}} for e in errors]


@blp.route("/customers", methods=["POST"])
@needs(Role.ADMIN)
@problems(400, 403, 413, 422)
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": s.CustomerBulkSchema}}})
@blp.response(200, s.BulkResultSchema)
def upsert_customers():
    """Create or update customers

    Rows are matched by `external_ref` and checked by the rules of the customer CSV import; good rows are stored,
    each refused row is reported with its messages. At most 1000 rows.
    """
    rows = _rows("customers")
    managers = {email.lower(): i for i, email in db.session.execute(select(StaffUser.id, StaffUser.email))}
    refused: list[dict] = []
    seen: set[str] = set()

    def check(index: int, row: dict[str, str]) -> tuple[dict, list[RowError]]:
        values, errors = customer_import.check_row(index, row, managers.get)
        if not errors and values["external_ref"] in seen:
            errors = [RowError(index, customer_import.DUPLICATE_REF, "external_ref", values["external_ref"])]
        if not errors:
            seen.add(values["external_ref"])
        return values, errors

    good = _check_rows(rows, s.CustomerRowSchema(), check, customer_messages.describe, refused)
    created = updated = 0
    if good:
        created, updated, repeated = customer_import.upsert_checked(good, managers)
        refused += _row_refusals(repeated, rows, customer_messages.describe)
        db.session.commit()
    return {"created": created, "updated": updated, "skipped": 0,
            "refused": sorted(refused, key=lambda r: r["index"])}


def _find(external_ref: str) -> Customer:
    customer = find_customer(external_ref)
    if customer is None:
        raise ApiProblem(404, "not_found")
    return customer


@blp.route("/customers/<path:external_ref>", methods=["GET"])
@needs(Role.ADMIN)
@problems(403, 404)
@blp.response(200, s.CustomerSchema)
def customer(external_ref: str):
    """Read a customer

    The customer with this external reference.
    """
    return _customer(_find(external_ref))


@blp.route("/customers/<path:external_ref>", methods=["DELETE"])
@needs(Role.ADMIN)
@problems(403, 404)
@blp.response(200, s.ErasedSchema)
def erase(external_ref: str):
    """Erase a customer

    Erases the customer on request, as the customer page does: their record and invitations go, their responses
    stay without a name.
    """
    found = _find(external_ref)
    ref = found.external_ref
    kept = erase_customer(found)
    db.session.commit()
    return {"external_ref": ref, "responses_kept_anonymously": kept}


# Purchases

@blp.route("/purchases", methods=["POST"])
@needs(Role.ADMIN)
@problems(400, 403, 413, 422)
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": s.PurchaseBulkSchema}}})
@blp.response(200, s.BulkResultSchema)
def add_purchases():
    """Add purchases

    Rows are checked by the rules of the purchase CSV import; a purchase already recorded is skipped, a customer
    who buys after being lost is won back. At most 1000 rows.
    """
    rows = _rows("purchases")
    refused: list[dict] = []
    good = _check_rows(rows, s.PurchaseRowSchema(), purchase_import.check_row, purchase_messages.describe, refused)
    created = skipped = 0
    if good:
        created, skipped, unknown = purchase_import.add_checked(good)
        refused += _row_refusals(unknown, rows, purchase_messages.describe)
        db.session.commit()
    return {"created": created, "updated": 0, "skipped": skipped,
            "refused": sorted(refused, key=lambda r: r["index"])}


# Invitations

@blp.route("/surveys/<slug>/invitations", methods=["POST"])
@needs(Role.ADMIN)
@problems(400, 403, 404, 409, 422)
@blp.arguments(s.InvitationRequestSchema)
@blp.response(201, s.InvitationResultSchema)
def invite(body: dict, slug: str):
    """Invite customers

    Creates an invitation to the survey for each customer named and returns their personal links (shown only now:
    only a hash of each is kept). A customer already invited, or unknown, is refused.
    """
    found = get_survey(slug)
    if found is None:
        raise ApiProblem(404, "not_found")
    invitations, refused = [], []
    for index, ref in enumerate(body["customers"]):
        customer = find_customer(ref)
        if customer is None:
            refused.append({"index": index, "external_ref": ref,
                            "errors": {"external_ref": [_("No customer has this reference.")]}})
            continue
        try:
            invitation, token = create_invitation(found, customer)
        except InvitationError as error:
            refused.append({"index": index, "external_ref": ref, "errors": {"external_ref": [str(error)]}})
            continue
        invitations.append({"external_ref": customer.external_ref, "url": invitation_url(token),
                            "locale": invitation.locale, "expires_at": invitation.expires_at})
    db.session.commit()
    return {"invitations": invitations, "refused": refused}


# Responses

def _cursor(response_id: int) -> str:
    return base64.urlsafe_b64encode(f"r{response_id}".encode()).decode().rstrip("=")


def _after(cursor: str) -> int:
    """The response id a cursor continues after.

    :raise ApiProblem: 422 for a cursor this API did not give.
    """
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith("r") and text[1:].isdigit() and len(text) < 15:
            return int(text[1:])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise invalid(cursor=_("This cursor is not valid: use the next_cursor of the previous page."))


def _answer(answer) -> dict:
    return {"question_id": answer.question_id, "question_type": answer.question.type.value,
            "reason_code": answer.reason_code, "text": answer.text, "number": answer.number,
            "bucket": answer.bucket, "cause_group": answer.cause_group or cause_group(answer.bucket),
            "source": answer.source.value if answer.source else None, "confidence": answer.confidence,
            "model_version": answer.model_version, "is_primary": answer.is_primary,
            "reviewed_at": answer.reviewed_at}


@blp.route("/responses", methods=["GET"])
@needs(Role.ANALYST)
@problems(403, 422)
@blp.arguments(s.ResponseArgsSchema, location="query", as_kwargs=True)
@blp.response(200, s.ResponsePageSchema)
def responses(limit: int, cursor: str | None = None, **filters):
    """List responses

    Responses matching the report filters (as the staff response list reads them), newest first, with their
    answers: bucket, cause group, classification source and confidence. Pages of `limit`; pass `next_cursor`
    as `cursor` for the next page.
    """
    since, until = filters.get("since"), filters.get("until")
    if since and until and until < since:
        raise invalid(until=_("The last day comes before the first."))
    query = filtered_responses(ResponseFilter.from_args(request.args)).order_by(Response.id.desc())
    if cursor:
        query = query.where(Response.id < _after(cursor))
    found = list(db.session.scalars(query.limit(limit + 1)))
    page = found[:limit]
    return {"responses": [{"id": r.id, "survey": r.survey.slug,
                           "customer": r.customer.external_ref if r.customer else None, "locale": r.locale,
                           "channel": r.channel.value, "submitted_at": r.submitted_at,
                           "primary_bucket": r.primary_bucket, "answers": [_answer(a) for a in r.answers]}
                          for r in page],
            "next_cursor": _cursor(page[-1].id) if len(found) > limit else None}


# Reports

@blp.route("/reports/breakdown", methods=["GET"])
@needs(Role.ANALYST)
@problems(403, 404, 422)
@blp.arguments(s.BreakdownArgsSchema, location="query")
@blp.response(200, s.BreakdownSchema)
def breakdown(_args: dict):
    """Report: breakdown by bucket and cause group

    Counts and shares per bucket and cause group with 95 % intervals, the benchmark, n, unclassified and pending:
    the same object as `flask reports breakdown --format json`.
    """
    try:
        f = report_filter(request.args.to_dict(flat=False))
    except FilterError as error:
        raise invalid(**{error.field: str(error)}) from None
    return breakdown_report(f)


@blp.route("/reports/lost-ratio", methods=["GET"])
@needs(Role.ANALYST)
@problems(403, 422)
@blp.arguments(s.LostArgsSchema, location="query")
@blp.response(200, s.LostRatioSchema)
def lost(args: dict):
    """Report: lost-customer ratio

    Customers at the start, lost customers, the ratio and lost revenue per account manager for each month,
    quarter or year, as the lost-customers page shows them.
    """
    unit, until = args["unit"], args.get("until") or utcnow().date()
    since = args.get("since") or default_since(unit, until)
    if since > until:
        raise invalid(since=_("The first day comes after the last."))
    if len(periods(since, until, unit)) > MAX_PERIODS:
        raise invalid(since=_("Ask for at most %(max)s periods at once.", max=MAX_PERIODS))
    return {**lost_ratio(unit, since, until).as_dict(), "since": since, "until": until}


# Win-back

def _case(case) -> dict:
    return {"id": case.id, "customer": case.customer.external_ref, "lost_at": case.lost_at,
            "priority": case.priority, "state": case.state.value,
            "owner": case.owner.email if case.owner else None, "reason_code": case.reason_code,
            "reason_bucket": case.reason_bucket, "offer": case.offer, "agreed_at": case.agreed_at,
            "returned_at": case.returned_at, "days_to_return": case.days_to_return,
            "return_channel": case.return_channel}


@blp.route("/winback/cases", methods=["GET"])
@needs(Role.ANALYST)
@problems(403, 422)
@blp.arguments(s.CaseArgsSchema, location="query")
@blp.response(200, s.CaseListSchema)
def cases(args: dict):
    """Win-back: cases

    Win-back cases (at most 1000), those being worked on first, then by priority and the latest lost first.
    """
    f = CaseFilter(owner_id=args.get("owner"), state=CaseState(args["state"]) if "state" in args else None,
                   priority=args.get("priority"), bucket=args.get("reason"))
    return {"cases": [_case(case) for case in list_cases(f, utcnow().date(), MAX_CASES)]}


def _rate(rate) -> dict:
    return {"key": rate.key, "cases": rate.cases, "won_back": rate.won_back, "rate": rate.rate,
            "median_days": rate.median_days, "recovered": rate.recovered}


@blp.route("/winback/results", methods=["GET"])
@needs(Role.ANALYST)
@problems(403, 422)
@blp.arguments(s.SpanArgsSchema, location="query")
@blp.response(200, s.WinbackResultsSchema)
def winback_results(args: dict):
    """Win-back: results

    The win-back rate, median days to return and revenue recovered of the cases lost in the span: overall and by
    priority, reason bucket, cause group, manager and channel.
    """
    since, until = args.get("since"), args.get("until")
    if since and until and since > until:
        raise invalid(since=_("The first day comes after the last."))
    found = results(since, until)
    return {"total": _rate(found.total),
            **{name: [_rate(rate) for rate in getattr(found, name)]
               for name in ("by_priority", "by_bucket", "by_group", "by_manager", "by_channel")}}


