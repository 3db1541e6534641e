"""Closing a follow-up."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..formutil import choices
from .rules import Outcome

OUTCOME_LABELS = {
    Outcome.APOLOGISED: _l("Apologised"),
    Outcome.FIXED: _l("Fixed the problem"),
    Outcome.OFFER_MADE: _l("Made an offer"),
    Outcome.NOT_REACHED: _l("Could not reach them"),
}


class CloseForm(FlaskForm):
    """What came of a follow-up, and what was done."""

    outcome = SelectField(_l("Outcome"), choices=choices((o.value, label) for o, label in OUTCOME_LABELS.items()),
                          validators=[InputRequired()])
    note = TextAreaField(_l("What was done"), validators=[DataRequired(message=_l("Please say what was done.")),
                                                         Length(max=5000)])
