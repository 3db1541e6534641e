"""Translated descriptions of purchase import problems."""
from __future__ import annotations

from flask_babel import gettext as _

from ..csvimport.messages import describe_common, describe_not_utf8
from ..csvimport.rows import BAD_HEADER, ImportFileError, RowError
from . import importer as imp


def describe(error: RowError) -> str:
    """What is wrong with a row, in the current language."""
    messages = {
        imp.UNKNOWN_CUSTOMER: _("No customer has this reference: import the customer first."),
        imp.BAD_AMOUNT: _("Not an amount (use 12345.50 or 12 345,50; not negative)."),
        imp.BAD_DATE: _("Not a date (use YYYY-MM-DD)."),
        imp.MISSING_VALUE: _("This value is missing."),
    }
    return messages.get(error.reason) or describe_common(error)


def describe_file_error(error: ImportFileError) -> str:
    """Why a whole file cannot be imported, in the current language."""
    if error.reason == BAD_HEADER:
        return _("The first line must name the columns external_ref, date and amount (found: %(found)s).",
                 found=error.detail or "—")
    return describe_not_utf8(error)

