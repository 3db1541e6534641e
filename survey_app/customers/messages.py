"""Translated descriptions of customer import problems."""
from __future__ import annotations

from flask_babel import gettext as _

from ..csvimport.messages import describe_common, describe_not_utf8
from ..csvimport.rows import BAD_HEADER, ImportFileError, RowError
from . import importer as imp


def describe(error: RowError) -> str:
    """What is wrong with a row, in the current language."""
    messages = {
        imp.DUPLICATE_REF: _("This reference already appears earlier in the file."),
        imp.BAD_EMAIL: _("Not a valid email address."),
        imp.BAD_NUMBER: _("Not a number (use 12345.50 or 12 345,50)."),
        imp.BAD_DATE: _("Not a date (use YYYY-MM-DD)."),
        imp.BAD_STATUS: _("Unknown status: use active, lost or returned."),
        imp.UNKNOWN_MANAGER: _("No staff account has this email."),
    }
    return messages.get(error.reason) or describe_common(error)


def describe_file_error(error: ImportFileError) -> str:
    """Why a whole file cannot be imported, in the current language."""
    if error.reason == BAD_HEADER:
        return _("The first line must name the columns, including external_ref (found: %(found)s).",
                 found=error.detail or "—")
    return describe_not_utf8(error)
