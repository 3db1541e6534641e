"""Error pages: every failure a person can meet is a translated page with a 4xx/5xx status."""
from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from .extensions import db

logger = logging.getLogger(__name__)


class AppError(HTTPException):
    """An expected failure with its own translated title and message."""

    code = 400

    def title(self) -> str:
        """Short heading of the error page."""
        return _("Something is wrong with this request")

    def message(self) -> str:
        """What happened and what to do, for the person reading the page."""
        return self.description or ""


class UnknownLanguage(AppError):
    """``?lang=`` named a language the application does not offer."""

    code = 400

    def title(self) -> str:
        return _("Unknown language")

    def message(self) -> str:
        return _("This language is not available. Please choose English, French, Polish or Russian.")


class UnknownLink(AppError):
    """No invitation has this token, or no open survey has this link."""

    code = 404

    def title(self) -> str:
        return _("This link is not valid")

    def message(self) -> str:
        return _("We could not find a survey for this link. Please check that you copied the whole "
                 "address from your email.")


class AlreadyAnswered(AppError):
    """The invitation's token has already been used."""

    code = 409

    def title(self) -> str:
        return _("You have already answered")

    def message(self) -> str:
        return _("This survey link has already been used, and your answers were recorded. "
                 "Thank you for your time!")


class LinkExpired(AppError):
    """The invitation is past its expiry date."""

    code = 410

    def title(self) -> str:
        return _("This link has expired")

    def message(self) -> str:
        return _("The survey link you used is no longer valid. If you would still like to tell us "
                 "something, please reply to the email you received.")


class SurveyClosed(AppError):
    """The survey is closed, or not open yet."""

    code = 410

    def title(self) -> str:
        return _("This survey is closed")

    def message(self) -> str:
        return _("This survey is not taking answers at the moment. Thank you for your interest.")


class BadQueryValue(AppError):
    """A query argument (page number, date, id) that is not a value the page accepts; the description names it."""

    code = 400

    def title(self) -> str:
        return _("This address is not valid")

    def message(self) -> str:
        return _("The value of “%(name)s” in the address is not one this page accepts (page numbers are whole "
                 "numbers from 1, dates are written YYYY-MM-DD between 1900 and 2999). Change it and try again.",
                 name=self.description)


def _generic(code: int) -> tuple[str, str]:
    """Title and message for the standard HTTP errors."""
    texts = {
        400: (_("Something is wrong with this request"),
              _("The page could not understand what was sent. Please go back and try again.")),
        403: (_("Access denied"), _("Your account is not allowed to open this page.")),
        404: (_("Page not found"), _("There is no page at this address.")),
        405: (_("Action not allowed"), _("This page cannot be used this way.")),
        413: (_("Too much data"), _("What you sent is too large: at most %(size)s can be sent at once. Please "
                                    "shorten it and try again.", size=_size(request.max_content_length))),
        429: (_("Too many attempts"), _("Please wait a minute before trying again.")),
        500: (_("Something went wrong"),
              _("An unexpected error occurred. It has been logged; please try again later.")),
        503: (_("Temporarily unavailable"),
              _("We cannot save or show anything right now. Please try again in a few minutes.")),
    }
    return texts.get(code, texts[400] if code < 500 else texts[500])


def _size(size: int | None) -> str:
    """A number of bytes in the largest unit that keeps it at least 1, in the current language ("2 MB")."""
    from babel.units import format_unit
    from flask_babel import get_locale

    if not size:
        return "—"
    value, unit = size, "byte"
    for bigger in ("kilobyte", "megabyte", "gigabyte"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return format_unit(value, f"digital-{unit}", length="short", format="#,##0.#", locale=get_locale())


def render_error(code: int, title: str, message: str, plain: bool = False):
    """Render the shared error page; ``plain`` keeps it off the database (no signed-in user, no staff menu)."""
    return render_template("errors/error.html", code=code, title=title, message=message, plain=plain), code


def register(app: Flask) -> None:
    """Install the error handlers on ``app``."""
    from .routing import this_page  # routing raises errors defined here

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        # Keep what the person typed: offer the same form again with a fresh token.
        fields = [(k, v) for k, v in request.form.items(multi=True) if k != "csrf_token"]
        return render_template("errors/csrf.html", fields=fields, action=this_page()), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # One handler for all: Flask files HTTPException subclasses under their status code.
        if isinstance(error, AppError):
            return render_error(error.code, error.title(), error.message())
        code = error.code or 500
        title, message = _generic(code)
        return render_error(code, title, message)

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_unavailable(error: Exception):
        logger.error("Database error: %s", error)
        try:
            db.session.rollback()
        except DBAPIError:  # the connection is gone; the pool replaces it on the next request
            db.session.invalidate()
        fields = [(k, v) for k, v in request.form.items(multi=True) if k != "csrf_token"]
        if request.method == "POST" and fields:
            # Keep what the person typed: the same form again, ready to be sent when the database is back.
            return render_template("errors/unavailable.html", fields=fields, action=this_page()), 503
        title, message = _generic(503)
        return render_error(503, title, message, plain=True)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        logger.exception("Unhandled error")
        title, message = _generic(500)
        return render_error(500, title, message)
