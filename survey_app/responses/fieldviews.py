"""What the answer-field template shows for each question, in the current language."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import gettext as _
from markupsafe import Markup

from ..i18n import localized
from ..surveys.models import QuestionType
from .answers import INVALID_CHOICE, REQUIRED, TOO_LONG, Submission, choices
from .cache import respondent_cache
from .definition import SurveyDefinition

_KIND = {QuestionType.MAIN_REASON: ("radio", "reasons"), QuestionType.OTHER_REASONS: ("checkbox", "reasons"),
         QuestionType.SCALE_0_10: ("radio", "scale"), QuestionType.YES_NO: ("radio", "yesno"),
         QuestionType.CONTACT_CONSENT: ("radio", "yesno"),
         QuestionType.FREE_TEXT: ("text", "")}


@dataclass(frozen=True)
class FieldView:
    """One question as the template draws it."""

    name: str
    label: str
    required: bool
    kind: str
    css: str
    choices: list[tuple[str, str]]
    selected: frozenset[str]
    text: str
    error: str

    @property
    def target(self) -> str:
        """The id of what a link to this question moves focus to: its text box, or its first option."""
        return self.name if self.kind == "text" else f"{self.name}-0"


def error_message(qtype: QuestionType, code: str, params: dict) -> str:
    """The translated message for an answer's error code."""
    if code == REQUIRED:
        return {
            QuestionType.MAIN_REASON: _("Please choose one answer."),
            QuestionType.OTHER_REASONS: _("Please tick at least one answer."),
            QuestionType.FREE_TEXT: _("Please write a few words."),
            QuestionType.SCALE_0_10: _("Please choose a number from 0 to 10."),
            QuestionType.YES_NO: _("Please answer yes or no."),
            QuestionType.CONTACT_CONSENT: _("Please answer yes or no."),
        }[qtype]
    if code == TOO_LONG:
        return _("Please keep your answer to %(max)d characters at most (it has %(length)d now).", **params)
    assert code == INVALID_CHOICE
    return _("Please choose one of the answers offered.")


def field_views(definition: SurveyDefinition, locale: str, submission: Submission | None) -> list[FieldView]:
    """Describe every question, with what was submitted and its error, if any."""
    yes_no = (_("Yes"), _("No"))
    views = []

    def reason_label(reason) -> str:
        return localized(reason.label, locale, definition.default_locale)

    for q in definition.questions:
        kind, css = _KIND[q.type]
        raw = submission.raw.get(q.id, []) if submission else []
        error = submission.errors.get(q.id) if submission else None
        views.append(FieldView(
            name=q.field_name, label=localized(q.text, locale, definition.default_locale), required=q.required,
            kind=kind, css=css,
            choices=list(choices(q, definition, reason_label, yes_no)),
            selected=frozenset(raw), text="\n".join(raw) if kind == "text" else "",
            error=error_message(q.type, *error) if error else "",
        ))
    return views


def fields_html(definition: SurveyDefinition, locale: str, submission: Submission | None = None) -> Markup:
    """The question fields as HTML; untouched fields are rendered once per survey version and language."""
    max_text = current_app.config["MAX_TEXT_LENGTH"]

    def render() -> Markup:
        # The template escapes every value itself (autoescape); Markup only stops a second escaping.
        return Markup(render_template("responses/_answer_fields.html", max_text=max_text,  # nosec B704
                                      fields=field_views(definition, locale, submission)))

    if submission is not None:
        return render()
    return respondent_cache().fields_html((definition.key, locale, max_text), render)
