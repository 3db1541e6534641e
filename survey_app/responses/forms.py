"""The interview form's own fields (the questions themselves are read by ``answers.read_answers``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from ..formutil import choices
from ..i18n import LANGUAGES


class InterviewForm(FlaskForm):
    """Who was interviewed, and in which language."""

    customer_ref = StringField(_l("Customer reference"), validators=[InputRequired(), Length(max=64)])
    interview_locale = SelectField(_l("Language of the interview"), choices=choices(LANGUAGES.items()))
    #: Ticked after the warning that this customer was interviewed for this survey before.
    confirm_repeat = BooleanField(_l("Yes, record another interview with this customer"))
    #: Tells this showing of the form from any other: saving it twice records one interview.
    submission_key = HiddenField()
