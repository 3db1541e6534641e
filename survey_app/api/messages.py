"""What the API-key services refuse, in the current language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..domain import DomainError
from ..errors import describe as describe_domain_error

_TEXTS = {
    "no_key_name": _l("Say what the key is for."),
    "expiry_past": _l("Choose a day after today."),
    "unknown_role": _l("An API key is for an administrator or an analyst."),
    "no_api_key": _l("There is no such API key."),
}


def describe(error: DomainError) -> str:
    """The message of an API-key error (or any domain error) in the current language."""
    text = _TEXTS.get(error.code)
    return str(text) if text is not None else describe_domain_error(error)
