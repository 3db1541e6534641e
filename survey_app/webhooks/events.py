"""What each event says: the ``data`` of its payload, read in the sender's transaction (what it just wrote)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..customers.models import Customer
from ..extensions import db
from ..followups.models import FollowUp
from ..responses.models import Answer, Response

#: Most objects read per query.
CHUNK = 500


def _value(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]


def customer_ref(customer: Customer | None) -> dict | None:
    """A customer as events name them."""
    if customer is None:
        return None
    return {"id": customer.id, "external_ref": customer.external_ref}


def _answer(answer: Answer) -> dict:
    return {"question_id": answer.question_id, "question_type": _value(answer.question.type),
            "reason_code": answer.reason_code, "text": answer.text, "number": answer.number,
            "bucket": answer.bucket, "cause_group": answer.cause_group, "source": _value(answer.source),
            "confidence": answer.confidence, "primary": answer.is_primary}


def responses(ids: Iterable[int]) -> list[dict]:
    """``response.created`` / ``response.classified``: the response, its survey, customer and answers with their
    buckets and cause groups."""
    found = []
    for chunk in _chunks(ids):
        for response in db.session.scalars(
                select(Response).where(Response.id.in_(chunk)).order_by(Response.id)
                .options(selectinload(Response.survey), selectinload(Response.customer),
                         selectinload(Response.answers).selectinload(Answer.question))):
            primary = next((a for a in response.answers if a.is_primary), None)
            found.append({
                "response_id": response.id,
                "survey": {"id": response.survey_id, "slug": response.survey.slug,
                           "kind": _value(response.survey.kind)},
                "customer": customer_ref(response.customer), "locale": response.locale,
                "channel": _value(response.channel), "submitted_at": _value(response.submitted_at),
                "bucket": primary.bucket if primary else response.primary_bucket,
                "cause_group": primary.cause_group if primary else None,
                "answers": [_answer(a) for a in sorted(response.answers, key=lambda a: a.id)]})
    return found


def customers(ids: Iterable[int]) -> list[dict]:
    """``customer.lost`` / ``customer.returned``: the customer and their lost and returned dates."""
    found = []
    for chunk in _chunks(ids):
        for customer in db.session.scalars(select(Customer).where(Customer.id.in_(chunk)).order_by(Customer.id)):
            found.append({"customer": customer_ref(customer), "name": customer.name, "segment": customer.segment,
                          "status": _value(customer.status), "marked_by_hand": customer.status_manual,
                          "lost_at": _value(customer.lost_at), "returned_at": _value(customer.returned_at),
                          "last_purchase": _value(customer.last_purchase)})
    return found


def followups(ids: Iterable[int]) -> list[dict]:
    """``followup.created``: the task, its response, customer, cause, owner and last day."""
    found = []
    for chunk in _chunks(ids):
        for task in db.session.scalars(
                select(FollowUp).where(FollowUp.id.in_(chunk)).order_by(FollowUp.id)
                .options(selectinload(FollowUp.customer), selectinload(FollowUp.owner),
                         selectinload(FollowUp.response))):
            found.append({"followup_id": task.id, "response_id": task.response_id,
                          "survey_id": task.response.survey_id, "customer": customer_ref(task.customer),
                          "kind": _value(task.kind), "bucket": task.bucket, "due": _value(task.due),
                          "owner": {"id": task.owner.id, "email": task.owner.email} if task.owner else None,
                          "opened_by_hand": task.created_by_id is not None})
    return found


def test_event(webhook_id: int) -> dict:
    """The test event's data: which endpoint it was sent to."""
    return {"webhook_id": webhook_id, "message": "This is a test event from the customer surveys."}
