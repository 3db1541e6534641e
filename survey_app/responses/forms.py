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
from ..surveys.models import Question, QuestionType, Reason, Survey

SCALE_CHOICES = choices((i, str(i)) for i in range(11))


def _presence(question: Question, message: str) -> list:
    return [InputRequired(message=message)] if question.required else [Optional()]


def question_field(question: Question, label: str, reasons: list) -> Field:
    """Return the form field answering ``question``."""
    qtype = question.type
    if qtype == QuestionType.MAIN_REASON:
        return RadioField(label, choices=reasons, validators=_presence(question, _("Please choose one answer.")))
    if qtype == QuestionType.OTHER_REASONS:
        return MultiCheckboxField(label, choices=reasons,
                                  validators=_presence(question, _("Please tick at least one answer.")))
    if qtype == QuestionType.FREE_TEXT:
        limit = current_app.config["MAX_TEXT_LENGTH"]
        return TextAreaField(label, validators=[
            *_presence(question, _("Please write a few words.")),
            # WTForms fills in max and length itself.
            Length(max=limit, message=_("Please keep your answer to %(max)d characters at most "
                                        "(it has %(length)d now).")),
        ], render_kw={"rows": 5, "maxlength": limit})
    if qtype == QuestionType.SCALE_0_10:
        return RadioField(label, choices=SCALE_CHOICES, coerce=int,
                          validators=_presence(question, _("Please choose a number from 0 to 10.")))
    return RadioField(label, choices=choices([(1, _("Yes")), (0, _("No"))]), coerce=int,
                      validators=_presence(question, _("Please answer yes or no.")))


def answer_form(survey: Survey, reasons: list[Reason], locale: str, *, interview: bool = False,
                formdata=None) -> FlaskForm:
    """Build the answer form for ``survey`` with its texts in ``locale``."""

    class AnswerForm(FlaskForm):
        pass

    if interview:
        AnswerForm.customer_ref = StringField(_l("Customer reference"), validators=[InputRequired(), Length(max=64)])
        AnswerForm.interview_locale = SelectField(_l("Language of the interview"), choices=choices(LANGUAGES.items()),
                                                  default=survey.default_locale)
    reason_choices = choices((r.code, localized(r.label, locale, survey.default_locale)) for r in reasons)
    for question in survey.questions:
        label = localized(question.text, locale, survey.default_locale)
        setattr(AnswerForm, question.field_name, question_field(question, label, reason_choices))
    return AnswerForm(formdata=formdata) if formdata is not None else AnswerForm()


def collected_answers(form: FlaskForm, survey: Survey) -> dict[int, object]:
    """Return the validated value of each question, keyed by question id."""
    return {q.id: form[q.field_name].data for q in survey.questions}
