"""Responses and the answers they hold."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import StaffUser
from ..customers.models import Customer
from ..dbtypes import str_enum, utcnow
from ..extensions import db
from ..invitations.models import Invitation
from ..surveys.models import Question, Survey


class Channel(enum.StrEnum):
    """How a response reached us."""

    EMAIL = "email"
    LINK = "link"
    INTERVIEW = "interview"


class ClassificationSource(enum.StrEnum):
    """Who decided an answer's bucket."""

    CHOICE = "choice"
    MODEL = "model"
    STAFF = "staff"


def month_of(moment: datetime) -> str:
    """The month of a submission time, as 'YYYY-MM' (the key reports group a monthly trend by)."""
    return moment.strftime("%Y-%m")


def _submitted_month(context) -> str | None:
    """Default of ``Response.submitted_month``: the month of the row's submission time."""
    submitted_at = context.get_current_parameters().get("submitted_at")
    return month_of(submitted_at) if isinstance(submitted_at, datetime) else None


class Response(db.Model):
    """One completed survey: by a customer through a link, or by staff in an interview."""

    __tablename__ = "response"
    __table_args__ = (
        sa.Index("ix_response_survey_submitted", "survey_id", "submitted_at"),
        # Reports count causes from these indexes alone. The dashboard's causes per survey and month, grouped in
        # index order, with every column a filter on the response reads (no row of the table is read):
        sa.Index("ix_response_causes", "survey_id", "submitted_month", "primary_bucket", "submitted_at", "locale",
                 "channel"),
        # Customers' causes: revenue, segment and account manager filters (by customer, then bucket; with the
        # survey and month, the causes per survey and month of chosen customers read this index alone too).
        sa.Index("ix_response_customer_bucket", "customer_id", "primary_bucket", "survey_id", "submitted_month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The survey answered.
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"))
    #: The invitation used; unique, so a token can be used only once.
    invitation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invitation.id", ondelete="SET NULL"), unique=True
    )
    #: The customer, unless anonymous or unknown.
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer.id", ondelete="SET NULL"))
    #: Language the answers were given in.
    locale: Mapped[str] = mapped_column(sa.String(5))
    #: email, link or interview.
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    #: Staff member who took the interview.
    interviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))
    #: When the answers were stored.
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Random key of the form page the answers were sent from; unique, so a form sent twice is stored once.
    submission_key: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    #: The consent or privacy wording the respondent was shown with the form, exactly (None: none was shown).
    consent_text: Mapped[str | None] = mapped_column(sa.Text)
    #: Digest of the signed link answered through; unique, so a signed link is answered once.
    link_mark: Mapped[str | None] = mapped_column(sa.String(64), unique=True, index=True)
    #: The bucket of its primary answer (the response's cause), kept here for reports; None without one. Written
    #: with the answers and by every writer that changes a primary answer's bucket (see ``sync_primary_buckets``).
    primary_bucket: Mapped[str | None] = mapped_column(sa.String(20))
    #: The month of ``submitted_at`` ('YYYY-MM', UTC), kept for the reports' monthly trend.
    submitted_month: Mapped[str | None] = mapped_column(sa.String(7), default=_submitted_month)

    #: When its personal links were cut (retention period over, or its customer erased); None while it has them.
    anonymised_at: Mapped[datetime | None]
    #: SHA-256 of the secret shown on the thank-you page that lets the respondent see or delete this response.
    view_token_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True, unique=True)

    survey: Mapped[Survey] = relationship()
    invitation: Mapped[Invitation | None] = relationship()
    customer: Mapped[Customer | None] = relationship()
    interviewer: Mapped[StaffUser | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="Answer.id"
    )

    def __repr__(self) -> str:
        return f"<Response {self.id} survey={self.survey_id} {self.channel}>"

    @property
    def primary_answer(self) -> Answer | None:
        """The answer that gives this response's cause."""
        return next((a for a in self.answers if a.is_primary), None)


class Answer(db.Model):
    """The answer to one question; reason answers carry their bucket and cause group."""

    __tablename__ = "answer"
    __table_args__ = (
        # Counting causes without a filter reads this index alone (response_id bounds what a cached count covers).
        sa.Index("ix_answer_primary_bucket", "is_primary", "bucket", "response_id"),
        # Reports join each response to its primary answer and group by bucket: one index lookup, no table read.
        sa.Index("ix_answer_response_primary", "response_id", "is_primary", "bucket"),
        # The sorting job finds the answers waiting for the model (a handful at a time) without reading the table.
        sa.Index("ix_answer_pending", "id", sqlite_where=sa.text("bucket = 'pending'"),
                 postgresql_where=sa.text("bucket = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The response it belongs to.
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("response.id", ondelete="CASCADE"))
    #: The question answered.
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"))
    #: Catalogue code of a chosen reason.
    reason_code: Mapped[str | None] = mapped_column(sa.String(64))
    #: Free text as typed.
    text: Mapped[str | None] = mapped_column(sa.Text)
    #: Number for scale and yes/no questions (yes = 1, no = 0).
    number: Mapped[int | None]
    #: One of the five buckets, ``unclassified`` (for review), or ``pending`` (the sorting job has not seen it yet);
    #: None for answers that carry no cause.
    bucket: Mapped[str | None] = mapped_column(sa.String(20))
    #: Cause group of the bucket (company, competitor, customer).
    cause_group: Mapped[str | None] = mapped_column(sa.String(20))
    #: choice, model or staff.
    source: Mapped[ClassificationSource | None] = mapped_column(str_enum(ClassificationSource, 10))
    #: Confidence of the classification, 0–1.
    confidence: Mapped[float | None]
    #: Version of the model that classified it.
    model_version: Mapped[str | None] = mapped_column(sa.String(40))
    #: The model's most likely classes with their probabilities, best first (``[["competitor", 0.61], …]``): shown
    #: in the review queue without running the model there.
    guesses: Mapped[list | None] = mapped_column(sa.JSON)
    #: Staff member who confirmed or corrected the bucket.
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))
    #: When it was reviewed.
    reviewed_at: Mapped[datetime | None]
    #: This answer gives the response's cause (the main reason, else the free text).
    is_primary: Mapped[bool] = mapped_column(default=False)

    response: Mapped[Response] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()

    def __repr__(self) -> str:
        return f"<Answer {self.id} q={self.question_id} {self.reason_code or self.number} {self.bucket}>"



class Draft(db.Model):
    """What a customer typed through their personal link and has not sent yet: never a response, never counted."""

    __tablename__ = "response_draft"

    #: The invitation (one draft each); the draft goes with it.
    invitation_id: Mapped[int] = mapped_column(sa.ForeignKey("invitation.id", ondelete="CASCADE"), primary_key=True)
    #: The form's values as typed, by field name.
    values: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: The language the form was shown in.
    locale: Mapped[str] = mapped_column(sa.String(5))
    #: When it was last saved.
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Draft invitation={self.invitation_id}>"
