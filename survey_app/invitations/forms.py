"""Invitation forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..formutil import DayRange, choices
from ..i18n import LANGUAGES
from .recipients import RecipientFilter


class InvitationForm(FlaskForm):
    """Invite one customer by reference."""

    customer_ref = StringField(_l("Customer reference"), validators=[InputRequired(), Length(max=64)])


class RecipientsForm(FlaskForm):
    """Which customers to invite."""

    status = SelectField(_l("Status"), choices=choices([("", _l("Any")), ("lost", _l("Lost")),
                                                        ("active", _l("Active")), ("returned", _l("Returned"))]),
                         default="")
    lost_since = DateField(_l("Lost since"), validators=[Optional(), DayRange()])
    lost_until = DateField(_l("Lost until"), validators=[Optional(), DayRange()])
    segment = StringField(_l("Segment"), validators=[Optional(), Length(max=64)])
    account_manager = EmailField(_l("Account manager (email)"), validators=[Optional(), Length(max=254)])
    locale = SelectField(_l("Language"), choices=choices([("", _l("Any")), *LANGUAGES.items()]), default="")
    #: How many customers the person confirmed inviting (the count shown to them); empty until they confirm.
    confirm_count = HiddenField()

    def confirmed(self) -> int | None:
        """The confirmed count; None when not confirmed.

        :raise ValueError: if it is not a whole number.
        """
        value = (self.confirm_count.data or "").strip()
        if not value:
            return None
        number = int(value)
        if number < 0:
            raise ValueError(value)
        return number

    def recipients(self) -> RecipientFilter:
        """The filter these fields describe."""
        return RecipientFilter(status=self.status.data or None, lost_since=self.lost_since.data,
                               lost_until=self.lost_until.data, segment=(self.segment.data or "").strip() or None,
                               account_manager=(self.account_manager.data or "").strip() or None,
                               locale=self.locale.data or None)


def default_status(survey_kind: str) -> str:
    """Whom a survey's invitations go to by default: departed customers for an exit survey, current ones for a
    loyalty survey."""
    return {"exit": "lost", "loyalty": "active"}.get(survey_kind, "")


class RemindForm(FlaskForm):
    """Reminder settings."""

    after_days = IntegerField(_l("Days since the last email"), default=7, validators=[InputRequired(),
                                                                                     NumberRange(min=1, max=365)])
    max_reminders = IntegerField(_l("At most this many reminders"), default=2,
                                 validators=[InputRequired(), NumberRange(min=1, max=10)])
