"""Answer forms built from a survey's questions, in the language being shown."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..formutil import MultiCheckboxField, choices
from ..i18n import LANGUAGES, localized
from ..surveys.models import QuestionType
from .definition import QuestionDef, SurveyDefinition, VersionCache

SCALE_CHOICES = choices((i, str(i)) for i in range(11))

_form_classes = VersionCache()


def _presence(question: QuestionDef, message: str) -> list:
    return [InputRequired(message=message)] if question.required else [Optional()]


def question_field(question: QuestionDef, label: str, reasons: list, max_text: int) -> Field:
    """Return the form field answering ``question``."""
    qtype = question.type
    if qtype == QuestionType.MAIN_REASON:
        return RadioField(label, choices=reasons, validators=_presence(question, _("Please choose one answer.")))
    if qtype == QuestionType.OTHER_REASONS:
        return MultiCheckboxField(label, choices=reasons,
                                  validators=_presence(question, _("Please tick at least one answer.")))
    if qtype == QuestionType.FREE_TEXT:
        return TextAreaField(label, validators=[
            *_presence(question, _("Please write a few words.")),
            # WTForms fills in max and length itself.
            Length(max=max_text, message=_("Please keep your answer to %(max)d characters at most "
                                           "(it has %(length)d now).")),
        ], render_kw={"rows": 5, "maxlength": max_text})
    if qtype == QuestionType.SCALE_0_10:
        return RadioField(label, choices=SCALE_CHOICES, coerce=int,
                          validators=_presence(question, _("Please choose a number from 0 to 10.")))
    return RadioField(label, choices=choices([(1, _("Yes")), (0, _("No"))]), coerce=int,
                      validators=_presence(question, _("Please answer yes or no.")))


def answer_form_class(definition: SurveyDefinition, locale: str, *, interview: bool = False) -> type[FlaskForm]:
    """Return the form class for a survey version in ``locale`` (built once, then cached)."""
    max_text = current_app.config["MAX_TEXT_LENGTH"]
    key = (definition.key, locale, interview, max_text)
    return _form_classes.get_or_build(key, lambda: _build_form_class(definition, locale, interview, max_text))


def _build_form_class(definition: SurveyDefinition, locale: str, interview: bool, max_text: int) -> type[FlaskForm]:
    class AnswerForm(FlaskForm):
        pass

    if interview:
        AnswerForm.customer_ref = StringField(_l("Customer reference"), validators=[InputRequired(), Length(max=64)])
        AnswerForm.interview_locale = SelectField(_l("Language of the interview"), choices=choices(LANGUAGES.items()),
                                                  default=definition.default_locale)
    reason_choices = choices((r.code, localized(r.label, locale, definition.default_locale))
                             for r in definition.reasons)
    for question in definition.questions:
        label = localized(question.text, locale, definition.default_locale)
        setattr(AnswerForm, question.field_name, question_field(question, label, reason_choices, max_text))
    return AnswerForm


def collected_answers(form: FlaskForm, definition: SurveyDefinition) -> dict[int, object]:
    """Return the validated value of each question, keyed by question id."""
    return {q.id: form[q.field_name].data for q in definition.questions}
