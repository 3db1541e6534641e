"""Translated descriptions of import problems."""
from __future__ import annotations

from flask_babel import gettext as _

from . import importer as imp


def describe(error: imp.RowError) -> str:
    """What is wrong with a row, in the current language."""
    messages = {
        imp.MISSING_REF: _("The external_ref column is empty."),
        imp.DUPLICATE_REF: _("This reference already appears earlier in the file."),
        imp.BAD_EMAIL: _("Not a valid email address."),
        imp.BAD_LOCALE: _("Unknown language: use en, fr, pl or ru."),
        imp.BAD_NUMBER: _("Not a number (use 12345.50 or 12 345,50)."),
        imp.BAD_DATE: _("Not a date (use YYYY-MM-DD)."),
        imp.BAD_STATUS: _("Unknown status: use active, lost or returned."),
        imp.UNKNOWN_MANAGER: _("No staff account has this email."),
        imp.TOO_LONG: _("This value is too long."),
        imp.BAD_ROW: _("This line cannot be read as CSV (a value that is far too long, or an unclosed quote)."),
        imp.BATCH_FAILED: _("The database refused the batch of rows starting at this line; nothing from that "
                            "batch or after it was imported. Rows before it were imported."),
    }
    return messages.get(error.reason, error.reason)


def describe_file_error(error: imp.ImportFileError) -> str:
    """Why a whole file cannot be imported, in the current language."""
    if error.reason == imp.BAD_HEADER:
        return _("The first line must name the columns, including external_ref (found: %(found)s).",
                 found=error.detail or "—")
    return _("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")
