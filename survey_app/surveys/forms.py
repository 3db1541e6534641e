"""Forms for creating and editing surveys."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..formutil import DayRange, MultiCheckboxField, choices
from ..i18n import LANGUAGES
from ..retention.rules import MAX_MONTHS
from .linksign import REF_MAX
from .models import TEXT_MAX, LinkFallback, QuestionType, SurveyKind

TITLE_MAX = 200


def language_choices():
    """Languages as (code, native name) choices."""
    return choices(LANGUAGES.items())


class NewSurveyForm(FlaskForm):
    """Create a survey from a template."""

    template = SelectField(_l("Template"), choices=choices([
        (SurveyKind.EXIT.value, _l("Exit survey: why did you stop buying from us?")),
        (SurveyKind.LOYALTY.value, _l("Loyalty survey: what would make you leave us?")),
        (SurveyKind.STAFF.value, _l("Staff survey: why do you think our customers leave?")),
    ]), validators=[InputRequired()])
    slug = StringField(_l("Address (slug)"), validators=[InputRequired(), Length(min=3, max=64)],
                       description=_l("Lower-case letters, digits and hyphens, e.g. exit-2026."))
    default_locale = SelectField(_l("Default language"), choices=language_choices(), default="en")
    open_link = BooleanField(_l("Anyone with the survey's public link may answer"))


class SettingsForm(FlaskForm):
    """Survey settings."""

    slug = StringField(_l("Address (slug)"), validators=[InputRequired(), Length(min=3, max=64)])
    default_locale = SelectField(_l("Default language"), choices=language_choices())
    open_link = BooleanField(_l("Anyone with the survey's public link may answer"))
    anonymous = BooleanField(_l("Anonymous: do not link answers to customers"))
    opens_at = DateTimeLocalField(_l("Opens at (UTC)"), validators=[Optional(), DayRange()],
                                  format="%Y-%m-%dT%H:%M")
    closes_at = DateTimeLocalField(_l("Closes at (UTC)"), validators=[Optional(), DayRange()],
                                   format="%Y-%m-%dT%H:%M")
    reason_codes = MultiCheckboxField(_l("Reasons offered"), validators=[InputRequired()])
    next_step_url = StringField(_l("Link of the next step on the thank-you page"),
                                validators=[Optional(), Length(max=500)])
    retention_months = IntegerField(
        _l("Anonymise answers this many months after submission"),
        validators=[Optional(), NumberRange(min=1, max=MAX_MONTHS,
                                            message=_l("Give a whole number of months from 1 to %(max)s, or leave "
                                                       "it empty to keep answers as they are.", max=MAX_MONTHS))],
        description=_l("Leave empty to keep answers linked to customers. Counts and causes in reports stay the "
                       "same after anonymisation."))
    retention_free_text = BooleanField(_l("Also remove the free text typed when anonymising"))


class SignedLinksForm(FlaskForm):
    """Turn signed links on or off, and say what a bad or expired signature leads to."""

    enabled = BooleanField(_l("Take links signed by our product (the customer is known from the link)"))
    fallback = RadioField(_l("When a link's signature is wrong or expired"), default=LinkFallback.REFUSE.value,
                          choices=choices([
                              (LinkFallback.REFUSE.value, _l("Refuse it with a page saying the link cannot be used")),
                              (LinkFallback.ANONYMOUS.value, _l("Show the anonymous form of the public link (only if "
                                                                "the survey has a public link)"))]))


class LinkTryForm(FlaskForm):
    """Make a signed link for one customer, to try the survey as they would see it."""

    ref = StringField(_l("Customer reference"), validators=[InputRequired(), Length(max=REF_MAX)],
                      description=_l("The customer's reference in your systems (external_ref); a customer with "
                                     "this reference is created when they answer, if there is none."))
    lang = SelectField(_l("Language"), choices=language_choices())
    valid = StringField(_l("Valid for"), default="7d", validators=[InputRequired(), Length(max=10)],
                        description=_l("30m, 12h, 7d or 2w: minutes, hours, days or weeks."))


def texts_form(questions, data: dict | None = None) -> FlaskForm:
    """Build the form editing one language's texts, with a field per question."""

    class TextsForm(FlaskForm):
        title = StringField(_l("Title"), validators=[Optional(), Length(max=TITLE_MAX)])
        intro = TextAreaField(_l("Introduction"), validators=[Optional(), Length(max=TEXT_MAX)])
        thanks = TextAreaField(_l("Thank-you text"), validators=[Optional(), Length(max=TEXT_MAX)])
        next_step = TextAreaField(_l("Next step"), validators=[Optional(), Length(max=TEXT_MAX)])
        next_step_label = StringField(_l("Words of the next step's link"),
                                      validators=[Optional(), Length(max=TITLE_MAX)])
        consent = TextAreaField(_l("Consent and privacy notice"), validators=[Optional(), Length(max=TEXT_MAX)])

    for question in questions:
        setattr(TextsForm, question.field_name,
                TextAreaField(_l("Question %(n)s", n=question.position),
                              validators=[Optional(), Length(max=TEXT_MAX)]))
    return TextsForm(data=data)


QUESTION_TYPE_LABELS = {
    QuestionType.MAIN_REASON: _l("Main reason (one choice from the reasons)"),
    QuestionType.OTHER_REASONS: _l("Other reasons (several choices)"),
    QuestionType.FREE_TEXT: _l("Free text"),
    QuestionType.SCALE_0_10: _l("Scale from 0 to 10"),
    QuestionType.YES_NO: _l("Yes or no"),
    QuestionType.CONTACT_CONSENT: _l("May we contact you? (yes or no; a yes lets staff follow up)"),
}


class AddQuestionForm(FlaskForm):
    """Add a question; its text is entered in one language and translated afterwards."""

    type = SelectField(_l("Type"), choices=choices((t.value, label) for t, label in QUESTION_TYPE_LABELS.items()))
    text = TextAreaField(_l("Question text"), validators=[InputRequired(), Length(max=TEXT_MAX)])
    locale = SelectField(_l("Language of this text"), choices=language_choices())
    required = BooleanField(_l("An answer is required"))


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


class EditQuestionForm(FlaskForm):
    """Change a question in place: its text in the survey's own language, whether it is required, its type."""

    text = TextAreaField(_l("Question text"), filters=[_stripped],
                         validators=[DataRequired(message=_l("Write the question's text.")), Length(max=TEXT_MAX)])
    required = BooleanField(_l("An answer is required"))
    type = SelectField(_l("Type"), choices=choices((t.value, label) for t, label in QUESTION_TYPE_LABELS.items()))
