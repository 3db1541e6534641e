"""Reading what phone interviewers work from: the call list, earlier interviews of a customer, my interviews."""
from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..customers.models import Customer, CustomerStatus
from ..extensions import db
from ..surveys.models import Survey
from .models import Channel, Response

#: Customers on one page of the call list or of the search results.
CALLS_PER_PAGE = 25
#: Interviews on one page of "My interviews".
MINE_PER_PAGE = 50


def _interviewed(survey_id: int):
    """The customers already interviewed for survey ``survey_id`` (a subquery of customer ids)."""
    return (select(Response.customer_id)
            .where(Response.survey_id == survey_id, Response.channel == Channel.INTERVIEW,
                   Response.customer_id.is_not(None)))


def call_list(survey: Survey, interviewer_id: int, page: int = 1) -> Pagination:
    """One page of the customers to call for ``survey``: lost, not interviewed for it yet, not opted out, whose
    account manager is the interviewer or nobody; most recently lost first."""
    query = (select(Customer).options(selectinload(Customer.account_manager))
             .where(Customer.status == CustomerStatus.LOST, Customer.opted_out.is_(False),
                    or_(Customer.account_manager_id == interviewer_id, Customer.account_manager_id.is_(None)),
                    Customer.id.not_in(_interviewed(survey.id)))
             .order_by(Customer.lost_at.desc().nulls_last(), Customer.id.desc()))
    return db.paginate(query, page=page, per_page=CALLS_PER_PAGE, error_out=False)


def interviewed_among(survey_id: int, customer_ids: list[int]) -> set[int]:
    """Which of these customers were interviewed for survey ``survey_id`` already."""
    if not customer_ids:
        return set()
    return set(db.session.scalars(_interviewed(survey_id).where(Response.customer_id.in_(customer_ids))))


def earlier_interviews(survey_id: int, customer_id: int) -> list[Response]:
    """The interviews of a customer recorded for a survey, newest first, with their interviewers."""
    return list(db.session.scalars(
        select(Response).options(selectinload(Response.interviewer))
        .where(Response.survey_id == survey_id, Response.customer_id == customer_id,
               Response.channel == Channel.INTERVIEW)
        .order_by(Response.submitted_at.desc(), Response.id.desc())))


def interviews_by(interviewer_id: int, page: int = 1) -> Pagination:
    """One page of the interviews a staff member recorded, newest first, with their customers and surveys."""
    query = (select(Response).options(selectinload(Response.customer), selectinload(Response.survey))
             .where(Response.interviewer_id == interviewer_id, Response.channel == Channel.INTERVIEW)
             .order_by(Response.submitted_at.desc(), Response.id.desc()))
    return db.paginate(query, page=page, per_page=MINE_PER_PAGE, error_out=False)
