"""Customer form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional

from ..formutil import AmountField, DayRange, choices
from ..i18n import LANGUAGES
from .models import CustomerStatus

STATUS_LABELS = {CustomerStatus.ACTIVE: _l("Active"), CustomerStatus.LOST: _l("Lost"),
                 CustomerStatus.RETURNED: _l("Returned")}


class CustomerForm(FlaskForm):
    """Add a customer by hand."""

    external_ref = StringField(_l("Reference"), validators=[InputRequired(), Length(max=64)])
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254), Email(check_deliverability=False)])
    locale = SelectField(_l("Language"), choices=choices(LANGUAGES.items()))
    segment = StringField(_l("Segment"), validators=[Optional(), Length(max=64)])
    status = SelectField(_l("Status"), choices=choices((s.value, label) for s, label in STATUS_LABELS.items()))
    lost_at = DateField(_l("Lost on"), validators=[Optional(), DayRange()])
    #: Read as the CSV import reads it (decimal comma accepted, 0 ≤ x < 10¹²).
    annual_revenue = AmountField(_l("Annual revenue"), validators=[Optional()])
