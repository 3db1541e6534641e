"""Translated labels for stored codes (kinds, states, buckets, channels), looked up at request time."""
from __future__ import annotations

import math
import re

from babel import Locale
from babel.numbers import format_currency as babel_currency
from flask import current_app
from flask_babel import format_date, format_time, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .i18n import localized
from .taxonomy import BUCKET_LABELS, BUCKET_SHORT_LABELS, BUCKETS, GROUP_LABELS, NOT_A_REASON

KIND_LABELS = {"exit": _l("Exit survey"), "loyalty": _l("Loyalty survey"), "staff": _l("Staff survey")}
STATE_LABELS = {"draft": _l("Draft"), "open": _l("Open"), "closed": _l("Closed")}
CHANNEL_LABELS = {"email": _l("Email invitation"), "link": _l("Public link"), "interview": _l("Interview")}
INVITATION_STATE_LABELS = {"pending": _l("Not sent yet"), "sent": _l("Sent"), "failed": _l("Sending failed"),
                           "bounced": _l("Bounced"), "answered": _l("Answered")}
SOURCE_LABELS = {"choice": _l("Chosen by the respondent"), "model": _l("Classifier"), "staff": _l("Staff")}


def _lookup(table, code) -> str:
    value = getattr(code, "value", code)
    return str(table.get(value, value or ""))


def kind_label(code) -> str:
    """Translated survey kind."""
    return _lookup(KIND_LABELS, code)


def state_label(code) -> str:
    """Translated survey state."""
    return _lookup(STATE_LABELS, code)


def channel_label(code) -> str:
    """Translated response channel."""
    return _lookup(CHANNEL_LABELS, code)


def invitation_state_label(code) -> str:
    """Translated invitation state."""
    return _lookup(INVITATION_STATE_LABELS, code)


def source_label(code) -> str:
    """Translated classification source."""
    return _lookup(SOURCE_LABELS, code)


def bucket_label(code, short: bool = False) -> str:
    """Translated bucket name (the taxonomy keeps the English source strings)."""
    table = BUCKET_SHORT_LABELS if short else BUCKET_LABELS
    return _(table[code]) if code in table else (code or "")


def group_label(code) -> str:
    """Translated cause-group name."""
    return _(GROUP_LABELS[code]) if code in GROUP_LABELS else (code or "")


def translate(text: str) -> str:
    """Translate a string marked elsewhere with ``N_`` (Jinja's ``_`` would %-format it)."""
    return _(text)


def reason_label(code: str | None) -> str:
    """Catalogue label of a reason code in the current language (the code itself if unknown)."""
    if not code:
        return ""
    from .responses.definition import reason_catalogue

    reason = reason_catalogue().get(code)
    return localized(reason.label if reason else None, str(get_locale())) or code


def language_name(code: str) -> str:
    """The name of one of the application's languages in the current language ("polonais" in French), for use
    inside a sentence, where a language's own name ("Polski") would be a foreign word."""
    return Locale.parse(code).get_language_name(str(get_locale() or "en")) or code


def when(moment) -> str:
    """A date and time no reader can misread: the month by name, the time to the minute ("Dec 1, 2026 9:05 PM",
    "1 déc. 2026 21:05"), never the ambiguous 12/1/26."""
    return f"{format_date(moment, 'medium')} {format_time(moment, 'short')}"


def money(amount: float) -> str:
    """An amount in the report currency, in the current language ("—" for a number that is not finite)."""
    if not math.isfinite(amount):
        return "—"
    locale = Locale.parse(str(get_locale() or "en"))
    # The language's own currency pattern ("2 576 950 €" in French, "€2,576,950" in English), whole units.
    pattern = re.sub(r"\.0+", "", locale.currency_formats["standard"].pattern.split(";")[0])
    return babel_currency(amount, current_app.config["REPORT_CURRENCY"], format=pattern, locale=locale,
                          currency_digits=False)


TEMPLATE_GLOBALS = {f.__name__: f for f in (kind_label, state_label, channel_label, source_label,
                                            invitation_state_label, language_name, when,
                                            bucket_label, group_label, reason_label, translate, money)}
#: What staff may set an answer's bucket to: one of the five, or "not a reason".
TEMPLATE_GLOBALS["correctable_buckets"] = (*BUCKETS, NOT_A_REASON)  # type: ignore[assignment]
