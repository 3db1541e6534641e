"""Invitation form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length


class InvitationForm(FlaskForm):
    """Invite one customer by reference."""

    customer_ref = StringField(_l("Customer reference"), validators=[InputRequired(), Length(max=64)])
