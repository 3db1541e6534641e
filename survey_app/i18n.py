"""The locale chain of a request; the languages themselves are in :mod:`survey_app.languages`."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import g, has_request_context, request, session
from flask_babel import refresh
from flask_login import current_user

from .languages import DEFAULT_LOCALE, LANGUAGES, is_language, localized, missing_locales

__all__ = ["DEFAULT_LOCALE", "LANGUAGES", "is_language", "language_of_page_only", "localized", "missing_locales",
           "remembers_language", "select_locale", "use_respondent_locale"]


def select_locale() -> str:
    """Pick the request's locale.

    Respondents: explicit choice → invitation → customer → Accept-Language → survey default → en.
    Staff: explicit choice → their preference → Accept-Language → en.
    """
    if not has_request_context():
        return DEFAULT_LOCALE  # CLI and scripts: messages in English
    chosen = None if g.get("api_request") else session.get("lang")  # the API ignores cookies
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


def language_of_page_only(view: Callable) -> Callable:
    """Mark a view whose ``?lang=`` picks the language of what it shows, not the visitor's language (a preview)."""
    view.remembers_language = False  # type: ignore[attr-defined]
    return view


def remembers_language(view: Callable | None) -> bool:
    """Tell whether ``?lang=`` on this view becomes the visitor's language for the pages that follow."""
    return getattr(view, "remembers_language", True)


def use_respondent_locale(hints: Iterable[str | None], fallback: str | None) -> None:
    """Apply the respondent part of the locale chain for the rest of the request."""
    g.respondent = True
    g.locale_hints = [h for h in hints if h]
    g.fallback_locale = fallback
    refresh()


