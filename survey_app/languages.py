"""The languages the application speaks, and per-language texts (pure Python: no Flask, no database).

The one list of languages: forms, CLI options, imports, the classifier and the catalogues read it here.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

#: Supported languages with their native names; English is the source language.
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "pl": "Polski", "ru": "Русский"}
#: Language codes, in the order above.
CODES: tuple[str, ...] = tuple(LANGUAGES)
DEFAULT_LOCALE = "en"
#: Languages that have a translation catalogue (all but the source language).
TRANSLATED: tuple[str, ...] = tuple(code for code in CODES if code != DEFAULT_LOCALE)


def is_language(code: str | None) -> bool:
    """Tell whether ``code`` is one of the supported language codes."""
    return code in LANGUAGES


def parse_locale(value: str) -> str | None:
    """The application language named by "pl", "PL", "pl-PL" or "pl_PL"; None if there is none."""
    if value in LANGUAGES:  # the usual case, checked first: imports call this for every row
        return value
    locale = re.split(r"[-_]", value.lower())[0]
    return locale if locale in LANGUAGES else None


def localized(texts: Mapping[str, str] | None, *locales: str | None) -> str:
    """Return the text for the first locale that has one, then English, then any."""
    if not texts:
        return ""
    for code in (*locales, DEFAULT_LOCALE):
        if code and texts.get(code):
            return texts[code]
    return next((t for t in texts.values() if t), "")


def source_locale(texts: Mapping[str, str] | None, *locales: str | None) -> str | None:
    """Return the language whose text ``localized`` gives for the same arguments (None when there is no text)."""
    if not texts:
        return None
    for code in (*locales, DEFAULT_LOCALE):
        if code and texts.get(code):
            return code
    return next((code for code, t in texts.items() if t), None)


def missing_locales(texts: Mapping[str, str] | None) -> list[str]:
    """List the supported locales that have no text."""
    return [code for code in LANGUAGES if not (texts or {}).get(code, "").strip()]
