"""Errors of the domain: what services refuse, named by a code (pure Python: no Flask, no database).

A service raises one of these with a ``code`` and the values its message needs; it says nothing of pages,
statuses or languages. Where errors meet people, :mod:`survey_app.errors` maps each code to a translated
title and message (one table for the whole application) and the class to an HTTP status; ``str(error)`` is
that message in the current language once the application has registered its describer.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar


class DomainError(Exception):
    """Something a rule of the application refuses. ``code`` names the rule; ``params`` fill its message."""

    #: The default code of this kind of error.
    code: ClassVar[str] = "refused"

    def __init__(self, code: str | None = None, **params: object) -> None:
        self.code = code or type(self).code  # type: ignore[misc]
        self.params = params
        super().__init__(self.code, params)

    def __str__(self) -> str:
        return _describer(self) if _describer is not None else f"{self.code} {self.params or ''}".strip()


class Invalid(DomainError):
    """What was asked is malformed or not allowed (a 400)."""

    code = "invalid"


class Forbidden(DomainError):
    """What was asked is not allowed to whoever asks it (a 403)."""

    code = "forbidden"


class NotFound(DomainError):
    """What was asked for does not exist (a 404)."""

    code = "not_found"


class Conflict(DomainError):
    """What was asked clashes with what is already there (a 409)."""

    code = "conflict"


class Gone(DomainError):
    """What was asked for existed but is no longer available (a 410)."""

    code = "gone"


class Unavailable(DomainError):
    """Something the application depends on cannot be reached now; try again later (a 503)."""

    code = "unavailable"


class NoSpace(DomainError):
    """The server has no room to keep what was sent (a 507)."""

    code = "no_space"


# Errors several features raise or catch by name.

class UnknownLink(NotFound):
    """No invitation has this token, or no open survey has this link."""

    code = "unknown_link"


class AlreadyAnswered(Conflict):
    """The invitation's link has already been used."""

    code = "already_answered"


class LinkExpired(Gone):
    """The invitation is past its expiry date."""

    code = "link_expired"


class SurveyClosed(Gone):
    """The survey is closed, or not open yet."""

    code = "survey_closed"


class SignedLinkRefused(Forbidden):
    """A signed survey link whose signature is bad (``signed_link_refused``) or expired (``signed_link_expired``),
    on a survey that refuses such links."""

    code = "signed_link_refused"


class UnknownLanguage(Invalid):
    """A language the application does not offer."""

    code = "unknown_language"


_describer: Callable[[DomainError], str] | None = None


def set_describer(describer: Callable[[DomainError], str]) -> None:
    """Let ``str(error)`` give the error's message in the current language (called by the application)."""
    global _describer
    _describer = describer


class AnswerGone(Gone):
    """A respondent's answer was deleted or anonymised: it can no longer be shown to them."""

    code = "answer_gone"
