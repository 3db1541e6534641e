"""Survey definitions, their questions and the reason catalogue."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.mutable import MutableList
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import LocalizedText, str_enum, utcnow
from ..domain import Conflict
from ..extensions import db
from ..i18n import localized
from ..taxonomy import cause_group
from .rules import LinkFallback, QuestionType, SurveyKind, SurveyState, takes_answers

__all__ = ["TEXT_MAX", "InvalidTransition", "LinkFallback", "Question", "QuestionType", "Reason", "Survey",
           "SurveyKind", "SurveyState", "takes_answers"]

#: Longest text of a survey or question in one language (an introduction, a question).
TEXT_MAX = 2000


class InvalidTransition(Conflict):
    """A survey cannot move to the requested state from the state it is in."""

    code = "invalid_transition"


class Survey(db.Model):
    """An exit or loyalty survey with its texts in several languages."""

    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: URL name, unique, e.g. ``exit-2026``.
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: exit or loyalty.
    kind: Mapped[SurveyKind] = mapped_column(str_enum(SurveyKind))
    #: draft, open or closed.
    state: Mapped[SurveyState] = mapped_column(str_enum(SurveyState), default=SurveyState.DRAFT)
    #: Language shown when nothing better is known about the respondent.
    default_locale: Mapped[str] = mapped_column(sa.String(5), default="en")
    #: Answers are not linked to customers.
    anonymous: Mapped[bool] = mapped_column(default=False)
    #: Anyone with the link ``/s/o/<slug>`` may answer, without an invitation.
    open_link: Mapped[bool] = mapped_column(default=False)
    #: Answers are accepted from this time on (None: as soon as it is open).
    opens_at: Mapped[datetime | None]
    #: Answers are refused after this time (None: until it is closed).
    closes_at: Mapped[datetime | None]
    #: Title per locale.
    title: Mapped[dict] = mapped_column(LocalizedText, default=dict)
    #: Introduction shown above the questions, per locale.
    intro: Mapped[dict] = mapped_column(LocalizedText, default=dict)
    #: Text of the thank-you page, per locale.
    thanks: Mapped[dict] = mapped_column(LocalizedText, default=dict)
    #: What happens next, shown under the thanks (a contact promise, an offer), per locale.
    next_step: Mapped[dict | None] = mapped_column(LocalizedText, default=dict)
    #: The words of the next step's link, per locale.
    next_step_label: Mapped[dict | None] = mapped_column(LocalizedText, default=dict)
    #: Where the next step's link goes (http or https), if it has one.
    next_step_url: Mapped[str | None] = mapped_column(sa.String(500))
    #: The consent or privacy wording shown at the end of the form, per locale (empty: the default wording).
    consent_text: Mapped[dict | None] = mapped_column(LocalizedText, default=dict)
    #: Links signed with ``link_secret`` (``/s/o/<slug>?ref=…&exp=…&sig=…``) attach answers to customers.
    signed_links: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: The secret signed links are checked with; a new one invalidates every link signed before.
    link_secret: Mapped[str | None] = mapped_column(sa.String(64))
    #: What a signed link with a bad or expired signature leads to: the anonymous form, or a refusal.
    link_fallback: Mapped[LinkFallback] = mapped_column(str_enum(LinkFallback, 10), default=LinkFallback.REFUSE,
                                                        server_default=LinkFallback.REFUSE.value)
    #: Answers lose their personal links this many months after submission (None: kept as they are).
    retention_months: Mapped[int | None]
    #: Retention also removes the free text typed (it may name people).
    retention_free_text: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Codes of the catalogue reasons offered, in display order.
    reason_codes: Mapped[list] = mapped_column(MutableList.as_mutable(sa.JSON), default=list)
    #: When the survey was created.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Last change to the definition; keys cached forms.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    questions: Mapped[list[Question]] = relationship(
        back_populates="survey", order_by="Question.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Survey {self.id} {self.slug} {self.kind} {self.state}>"

    def title_in(self, locale: str | None) -> str:
        """Return the title in ``locale``, falling back to the default locale, then English."""
        return localized(self.title, locale, self.default_locale)

    def touch(self) -> None:
        """Mark the definition as changed, so cached forms are rebuilt."""
        self.updated_at = utcnow()

    def open(self) -> None:
        """Start taking answers.

        :raise InvalidTransition: if the survey is already open.
        """
        if self.state == SurveyState.OPEN:
            raise InvalidTransition(state="open")
        self.state = SurveyState.OPEN

    def close(self) -> None:
        """Stop taking answers.

        :raise InvalidTransition: if the survey is not open.
        """
        if self.state != SurveyState.OPEN:
            raise InvalidTransition(state=str(self.state))
        self.state = SurveyState.CLOSED

    def accepting_answers(self, now: datetime) -> bool:
        """Tell whether an answer submitted at ``now`` is accepted."""
        return takes_answers(self.state, self.opens_at, self.closes_at, now)


class Question(db.Model):
    """One question of a survey."""

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The survey asking it.
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    #: Order within the survey, from 1.
    position: Mapped[int] = mapped_column(default=1)
    #: main_reason, other_reasons, free_text, scale_0_10, yes_no or contact_consent.
    type: Mapped[QuestionType] = mapped_column(str_enum(QuestionType))
    #: An answer is needed before the form is accepted.
    required: Mapped[bool] = mapped_column(default=False)
    #: Question text per locale.
    text: Mapped[dict] = mapped_column(LocalizedText, default=dict)

    survey: Mapped[Survey] = relationship(back_populates="questions")

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.type} #{self.position}>"

    @property
    def field_name(self) -> str:
        """Name of the form field answering this question."""
        return f"q{self.id}"


class Reason(db.Model):
    """A catalogue reason with a stable code, its bucket and a label per locale."""

    __tablename__ = "reason"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable code stored on answers, e.g. ``no_follow_up``; never renamed.
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: One of the five buckets of the taxonomy.
    bucket: Mapped[str] = mapped_column(sa.String(20))
    #: Inactive reasons are no longer offered; old answers keep them.
    active: Mapped[bool] = mapped_column(default=True)
    #: Display order in the catalogue.
    position: Mapped[int] = mapped_column(default=0)
    #: Label per locale.
    label: Mapped[dict] = mapped_column(LocalizedText, default=dict)

    def __repr__(self) -> str:
        return f"<Reason {self.code} → {self.bucket}>"

    @property
    def cause_group(self) -> str | None:
        """The cause group of this reason's bucket."""
        return cause_group(self.bucket)
