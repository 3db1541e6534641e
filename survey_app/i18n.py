"""Languages, the locale chain and helpers for per-locale texts."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import g, has_request_context, request, session
from flask_babel import refresh
from flask_login import current_user

#: Supported languages with their native names; English is the source language.
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "pl": "Polski", "ru": "Русский"}
DEFAULT_LOCALE = "en"


def is_language(code: str | None) -> bool:
    """Tell whether ``code`` is one of the supported language codes."""
    return code in LANGUAGES


def select_locale() -> str:
    """Pick the request's locale.

    Respondents: explicit choice → invitation → customer → Accept-Language → survey default → en.
    Staff: explicit choice → their preference → Accept-Language → en.
    """
    if not has_request_context():
        return DEFAULT_LOCALE  # CLI and scripts: messages in English
    chosen = session.get("lang")
    if is_language(chosen):
        return chosen
    for hint in g.get("locale_hints", ()):
        if is_language(hint):
            return hint
    if not g.get("respondent") and current_user and current_user.is_authenticated:
        if is_language(current_user.locale):
            return current_user.locale
    best = request.accept_languages.best_match(list(LANGUAGES))
    if best:
        return best
    fallback = g.get("fallback_locale")
    return fallback if is_language(fallback) else DEFAULT_LOCALE


def use_respondent_locale(hints: Iterable[str | None], fallback: str | None) -> None:
    """Apply the respondent part of the locale chain for the rest of the request."""
    g.respondent = True
    g.locale_hints = [h for h in hints if h]
    g.fallback_locale = fallback
    refresh()


def localized(texts: Mapping[str, str] | None, *locales: str | None) -> str:
    """Return the text for the first locale that has one, then English, then any."""
    if not texts:
        return ""
    for code in (*locales, DEFAULT_LOCALE):
        if code and texts.get(code):
            return texts[code]
    return next((t for t in texts.values() if t), "")


def missing_locales(texts: Mapping[str, str] | None) -> list[str]:
    """List the supported locales that have no text."""
    return [code for code in LANGUAGES if not (texts or {}).get(code, "").strip()]
