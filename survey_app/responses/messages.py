"""Translated descriptions of the problems met importing past answers."""
from __future__ import annotations

from flask_babel import gettext as _

from ..csvimport.messages import describe_common, describe_not_utf8
from ..csvimport.rows import BAD_HEADER, ImportFileError, RowError
from . import importer as imp


def describe(error: RowError) -> str:
    """What is wrong with a row, in the current language."""
    messages = {
        imp.UNKNOWN_CUSTOMER: _("No customer has this reference."),
        imp.MISSING_DATE: _("The submitted_at column is empty."),
        imp.BAD_DATETIME: _("Not a date or time (use YYYY-MM-DD or YYYY-MM-DD HH:MM)."),
        imp.FUTURE_DATE: _("This date is in the future."),
        imp.BAD_CHANNEL: _("Unknown channel: use email, link or interview."),
        imp.UNKNOWN_REASON: _("This survey does not offer this reason code."),
        imp.NO_ANSWER: _("Give a reason_code, a text, or both."),
    }
    return messages.get(error.reason) or describe_common(error)


def describe_file_error(error: ImportFileError) -> str:
    """Why a whole file cannot be imported into the survey, in the current language."""
    messages = {
        BAD_HEADER: _("The first line must name the columns, including external_ref, submitted_at, and "
                      "reason_code or text (found: %(found)s).", found=error.detail or "—"),
        imp.ANONYMOUS_SURVEY: _("This survey is anonymous: its answers name no customer, so past answers cannot "
                                "be imported into it."),
        imp.NO_REASON_QUESTION: _("The file has a reason_code column but this survey has no main reason "
                                  "question. Add one, or remove the column."),
        imp.NO_TEXT_QUESTION: _("The file has a text column but this survey has no free-text question. "
                                "Add one, or remove the column."),
    }
    return messages.get(error.reason) or describe_not_utf8(error)
