"""The form an administrator creates an API key with."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from ..auth.forms import ROLE_LABELS
from ..formutil import DayRange, choices
from .services import KEY_ROLES, NAME_MAX


class KeyForm(FlaskForm):
    """A new API key: what it is for, its role and when it stops working."""

    name = StringField(_l("What the key is for"), validators=[InputRequired(), Length(max=NAME_MAX)])
    role = SelectField(_l("Role"), choices=choices((role.value, ROLE_LABELS[role]) for role in KEY_ROLES))
    expires = DateField(_l("Stops working on (optional)"), validators=[Optional(), DayRange()])
