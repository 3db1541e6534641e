"""Translated descriptions of the import problems every CSV import shares."""
from __future__ import annotations

from flask_babel import gettext as _

from . import rows


def describe_common(error: rows.RowError) -> str:
    """What is wrong with a row, in the current language, for the reasons every import shares."""
    messages = {
        rows.MISSING_REF: _("The external_ref column is empty."),
        rows.BAD_LOCALE: _("Unknown language: use en, fr, pl or ru."),
        rows.TOO_LONG: _("This value is too long."),
        rows.BAD_ROW: _("This line cannot be read as CSV (a value that is far too long, or an unclosed quote)."),
        rows.EXTRA_VALUES: _("This line has more values than there are column names on the first line: put a "
                             "value that contains the separator between double quotes."),
        rows.BATCH_FAILED: _("The database refused the batch of rows starting at this line; nothing from that "
                             "batch or after it was imported. Rows before it were imported."),
        rows.UNCLOSED_QUOTE: _("A quote opened on this line is never closed, so this line was left out; the lines "
                               "after it were read as usual. Close the quote (write a quote inside a value as "
                               "two quotes) and import the file again."),
        rows.BAD_ENCODING: _("This line is not UTF-8 text, so it was left out. Save the file as “CSV UTF-8” and "
                             "import it again: rows already imported are recognised."),
        rows.BAD_VALUE: _("A value on this line could not be read, so the line was left out."),
    }
    return messages.get(error.reason, error.reason)


def describe_not_utf8(error: rows.ImportFileError) -> str:
    """Why a file that is not UTF-8 cannot be imported, in the current language."""
    if error.detail.isdigit():
        return _("Line %(line)s of the file is not UTF-8 text, so nothing was imported. Save the file as "
                 "“CSV UTF-8” and upload it again.", line=error.detail)
    return _("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")
