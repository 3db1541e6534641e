"""Forms of the win-back priorities: the admin's mapping of cells to priorities, and one customer's priority."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..formutil import choices
from .priorities_rules import CELLS, Priority
from .winback import MAX_NOTE

#: The names the seed gives the four priorities.
PRIORITY_LABELS = {Priority.FIRST: _l("Win back first"), Priority.MUST: _l("Must win back"),
                   Priority.IF_POSSIBLE: _l("Win back if possible"), Priority.LET_GO: _l("Let go")}


def priority_choices() -> list:
    """The four priorities as select options, first to last."""
    return choices((str(int(p)), label) for p, label in PRIORITY_LABELS.items())


class PriorityMappingForm(FlaskForm):
    """The priority of each of the nine ABC × XYZ cells (a field per cell, named after it)."""


for _cell in CELLS:
    setattr(PriorityMappingForm, _cell, SelectField(_cell, choices=priority_choices(), validators=[InputRequired()]))


class OverrideForm(FlaskForm):
    """A customer's win-back priority set by hand ("" gives the cell's priority back), and why."""

    priority = SelectField(_l("Win-back priority"),
                           choices=[*choices([("", _l("As the ABC × XYZ cell says"))]), *priority_choices()])
    note = TextAreaField(_l("Why"), validators=[Length(max=MAX_NOTE)])
