"""Forms of a win-back case: details, reason, plan steps, the customer's promise, closing, a purchase."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..formutil import AmountField, DayRange, NotAfterToday, choices
from .rules import CaseState, Channel
from .services import MAX_TEXT

CHANNEL_LABELS = {
    Channel.CALL: _l("Call"),
    Channel.MEETING: _l("Meeting"),
    Channel.VISIT: _l("Visit"),
    Channel.EMAIL: _l("Email"),
    Channel.LETTER: _l("Letter"),
    Channel.EVENT: _l("Event"),
    Channel.OFFER: _l("Offer"),
}
STATE_LABELS = {
    CaseState.OPEN: lazy_pgettext("win-back case", "Open"),
    CaseState.IN_PROGRESS: lazy_pgettext("win-back case", "In progress"),
    CaseState.WON_BACK: lazy_pgettext("win-back case", "Won back"),
    CaseState.NOT_WON_BACK: lazy_pgettext("win-back case", "Not won back"),
    CaseState.LET_GO: lazy_pgettext("win-back case", "Let go"),
}


class DetailsForm(FlaskForm):
    """Who works on the case and what is offered."""

    owner = SelectField(_l("Owner"), choices=[], validators=[Optional()])
    offer = TextAreaField(_l("Offer"), validators=[Length(max=MAX_TEXT)])


class ReasonForm(FlaskForm):
    """The real reason as staff found it: a catalogue reason and their words."""

    reason_code = SelectField(_l("Reason from the catalogue"), choices=[], validators=[Optional()])
    reason_text = TextAreaField(_l("In their words"), validators=[Length(max=MAX_TEXT)])


class StepForm(FlaskForm):
    """A new step at the end of the plan."""

    channel = SelectField(_l("Channel"), choices=choices((c.value, label) for c, label in CHANNEL_LABELS.items()),
                          validators=[InputRequired()])
    action = StringField(_l("What to do"), validators=[Length(max=500)])
    due = DateField(_l("Due on"), validators=[DataRequired(message=_l("Please give the day it is due.")), DayRange()])


class AgreeForm(FlaskForm):
    """The day the customer agreed to return."""

    agreed_on = DateField(_l("Agreed on"), validators=[DataRequired(message=_l("Please give the day they agreed.")),
                                                       DayRange(), NotAfterToday()])


class CloseCaseForm(FlaskForm):
    """Closing a case without a return: not won back or let go, and why."""

    close_as = SelectField(_l("Close as"), choices=choices([(CaseState.NOT_WON_BACK.value,
                                                          STATE_LABELS[CaseState.NOT_WON_BACK]),
                                                         (CaseState.LET_GO.value, STATE_LABELS[CaseState.LET_GO])]),
                        validators=[InputRequired()])
    close_note = TextAreaField(_l("Why"), validators=[DataRequired(message=_l("Please say why the case is closed.")),
                                                Length(max=MAX_TEXT)])


class PurchaseForm(FlaskForm):
    """A purchase entered by hand (an order taken by phone, an invoice not imported yet)."""

    purchase_day = DateField(_l("Day of the purchase"),
                             validators=[DataRequired(message=_l("Please give the day.")), DayRange(), NotAfterToday()])
    amount = AmountField(_l("Amount"), validators=[DataRequired(message=_l("Please give the amount."))])
    order_ref = StringField(_l("Order or invoice number"), validators=[Optional(), Length(max=64)])
