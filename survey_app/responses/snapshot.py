"""A survey as the respondent's form and the storing code see it, at one version (pure Python)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..surveys.rules import LinkFallback, QuestionType, SurveyState, takes_answers


@dataclass(frozen=True)
class QuestionDef:
    """What the form and the storing code need to know of a question."""

    id: int
    position: int
    type: QuestionType
    required: bool
    text: dict[str, str]

    @property
    def field_name(self) -> str:
        """Name of the form field answering this question."""
        return f"q{self.id}"


@dataclass(frozen=True)
class ReasonDef:
    """A catalogue reason (offered by a survey when active)."""

    code: str
    bucket: str
    label: dict[str, str]
    active: bool = True


@dataclass(frozen=True)
class SurveyDefinition:
    """A survey's settings, texts, questions and offered reasons at one version."""

    survey_id: int
    version: datetime
    slug: str
    state: SurveyState
    default_locale: str
    anonymous: bool
    open_link: bool
    opens_at: datetime | None
    closes_at: datetime | None
    title: dict[str, str]
    intro: dict[str, str]
    thanks: dict[str, str]
    questions: tuple[QuestionDef, ...]
    reasons: tuple[ReasonDef, ...]
    #: The thank-you page's next step: its text and link words per locale, and the link.
    next_step: dict[str, str] = field(default_factory=dict)
    next_step_label: dict[str, str] = field(default_factory=dict)
    next_step_url: str | None = None
    #: The consent or privacy wording per locale (empty: the default wording).
    consent: dict[str, str] = field(default_factory=dict)
    #: Signed links (a product's cancel flow): taken or not, the secret, and what a bad signature leads to.
    signed_links: bool = False
    link_secret: str | None = None
    link_fallback: LinkFallback = LinkFallback.REFUSE

    def accepting_answers(self, now: datetime) -> bool:
        """Tell whether an answer submitted at ``now`` is accepted."""
        return takes_answers(self.state, self.opens_at, self.closes_at, now)

    @property
    def key(self) -> tuple[int, datetime]:
        """Identifies this version of the survey."""
        return (self.survey_id, self.version)

    def reason(self, code: str) -> ReasonDef | None:
        """The offered reason with this code, if any."""
        return next((r for r in self.reasons if r.code == code), None)
