"""Sign-in, staff account and password forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional

from ..formutil import choices
from ..i18n import LANGUAGES
from .models import Role

#: What each role is called on the staff pages and in emails.
ROLE_LABELS = {Role.ADMIN: _l("Administrator"), Role.ANALYST: _l("Analyst"), Role.INTERVIEWER: _l("Interviewer")}


def _role_choices():
    return choices((role.value, label) for role, label in ROLE_LABELS.items())


class LoginForm(FlaskForm):
    """Staff sign-in."""

    email = EmailField(_l("Email"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in"))


class InviteForm(FlaskForm):
    """An administrator invites a new member of staff."""

    email = EmailField(_l("Email"), validators=[InputRequired(), Length(max=254), Email(check_deliverability=False)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=_role_choices())
    #: The invitation email is written in this language, and the staff pages shown in it.
    locale = SelectField(_l("Language"), choices=choices(LANGUAGES.items()))


class AccountForm(FlaskForm):
    """An administrator changes a staff member's role and language."""

    role = SelectField(_l("Role"), choices=_role_choices())
    locale = SelectField(_l("Language"), choices=choices([("", _l("The browser's language")), *LANGUAGES.items()]))


class SetPasswordForm(FlaskForm):
    """A staff member chooses a password through an emailed link."""

    password = PasswordField(_l("New password"), validators=[InputRequired(), Length(max=200)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("The same password again"),
                            validators=[InputRequired(), EqualTo("password", message=_l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
