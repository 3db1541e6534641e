"""Small pieces shared by the feature forms."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .bounds import MAX_AMOUNT, MAX_DATE, MIN_DATE, parse_amount


def choices(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """Turn ``(value, label)`` pairs into WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AmountField(StringField):
    """An amount of money typed as people write it ("12 345,50", "12,345.50"), read as the CSV import reads it:
    finite, at least 0 and below 10¹²; empty gives None."""

    def process_formdata(self, valuelist: list[str]) -> None:
        """Read the typed amount; a refused one keeps its text, shown again with the rule."""
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = parse_amount(valuelist[0])
            except ValueError:
                largest = format_decimal(MAX_AMOUNT - Decimal("0.01"), "#,##0.00")
                raise ValueError(_("Please give an amount from 0 to %(max)s, for example 12345.50 or 12 345,50.",
                                   max=largest)) from None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format(self.data, "f")


class DayRange:
    """A date (or date and time) between 1900 and 2999; other years are typing mistakes."""

    def __call__(self, form, field) -> None:
        value = field.data
        if value is None:
            return
        day = value.date() if isinstance(value, datetime) else value
        if isinstance(day, date) and not MIN_DATE <= day <= MAX_DATE:
            raise ValidationError(_("Please give a date between %(first)s and %(last)s.",
                                    first=format_date(MIN_DATE), last=format_date(MAX_DATE)))

class NotAfterToday:
    """A day that has come: what happened (a purchase, a promise) cannot be dated in the future."""

    def __call__(self, form, field) -> None:
        value = field.data
        day = value.date() if isinstance(value, datetime) else value
        if isinstance(day, date) and day > date.today():
            raise ValidationError(_("Please give a day no later than today."))


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token."""
