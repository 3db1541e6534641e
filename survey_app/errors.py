"""Error pages: every failure a person can meet is a translated page with a 4xx/5xx status."""
from __future__ import annotations

import errno
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from .dbsetup import DatabaseBusy
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


class NoSpaceForUpload(AppError):
    """The server's disk is full: an upload could not be received or kept (nothing of it is left behind).

    507 Insufficient Storage, not 413: the file is not too large, the server is short of space, and the same
    file will go through once space is freed.
    """

    code = 507

    def title(self) -> str:
        return _("No space to receive this file")

    def message(self) -> str:
        return _("The server has run out of disk space, so it could not receive what you sent, and nothing of it "
                 "was kept. Please tell your administrator, and send the file again once space has been freed.")


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


def never_send_again(view: Callable) -> Callable:
    """Mark a view whose form an error page never offers to send again (signing in: it needs the password)."""
    view.never_send_again = True  # type: ignore[attr-defined]
    return view


def _origin(url: str) -> tuple[str, str, int] | None:
    """Scheme, host and port of an http(s) URL, or None when it has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80)


def from_this_site() -> bool:
    """Tell whether the request was sent by a page of this site.

    The ``Origin`` header decides; when a browser sent none (or ``null``), ``Sec-Fetch-Site``, then ``Referer``.
    A request that carries none of them is not trusted. ``BASE_URL`` counts as this site too: behind a TLS
    proxy the app sees ``http://`` where the browser says ``https://``.
    """
    own = {_origin(request.host_url), _origin(current_app.config.get("BASE_URL") or "")} - {None}
    origin = request.headers.get("Origin", "").strip()
    if origin and origin != "null":
        return _origin(origin) in own
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        return fetch_site == "same-origin"
    referer = request.headers.get("Referer")
    return bool(referer) and _origin(referer) in own


def may_send_again() -> bool:
    """Tell whether an error page may offer to send this request's form again (with a fresh CSRF token).

    Only for a form sent from this site: for a form planted by another site, the button would complete its
    forged request. Never for a view marked with :func:`never_send_again`.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    return from_this_site() and not getattr(view, "never_send_again", False)


def kept_fields() -> list[tuple[str, str]]:
    """The posted fields to write into a send-again form: never the CSRF token, never a password."""
    return [(name, value) for name, value in request.form.items(multi=True)
            if name != "csrf_token" and "password" not in name.lower()]


def _this_page() -> str:
    from .routing import this_page  # routing raises errors defined here

    return this_page()


def _way_back() -> str:
    """Where to send someone whose form was not accepted: the form's page when it can be opened, else home."""
    rule = request.url_rule
    return _this_page() if rule is not None and "GET" in (rule.methods or ()) else url_for("core.index")


def csrf_page():
    """The page for a form whose CSRF token failed: send it again if it came from this site, else explain."""
    if may_send_again():
        # Keep what the person typed: offer the same form again with a fresh token.
        return render_template("errors/csrf.html", fields=kept_fields(), action=_this_page()), 400
    return render_template("errors/csrf.html", fields=None, back=_way_back()), 400


def _disk_full(error: Exception) -> bool:
    """Tell whether a database error means its disk (or its size limit) is full."""
    original = getattr(error, "orig", None)
    if getattr(original, "sqlite_errorcode", None) == 13:  # SQLITE_FULL
        return True
    return getattr(original, "sqlstate", None) == "53100"  # PostgreSQL disk_full


def register(app: Flask) -> None:
    """Install the error handlers on ``app``."""
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return csrf_page()

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
    @app.errorhandler(DatabaseBusy)
    def database_unavailable(error: Exception):
        # A lock held too long (SQLite) is the same for the person as a database that went away: try again soon.
        logger.error("Database error: %s", error)
        try:
            db.session.rollback()
        except DBAPIError:  # the connection is gone; the pool replaces it on the next request
            db.session.invalidate()
        if request.files and _disk_full(error):  # the database has no room for the upload being kept
            no_space = NoSpaceForUpload()
            return render_error(no_space.code, no_space.title(), no_space.message(), plain=True)
        fields = kept_fields()
        if request.method == "POST" and fields and may_send_again():
            # Keep what the person typed: the same form again, ready to be sent when the database is back.
            return render_template("errors/unavailable.html", fields=fields, action=_this_page()), 503
        title, message = _generic(503)
        return render_error(503, title, message, plain=True)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        logger.exception("Unhandled error")
        title, message = _generic(500)
        return render_error(500, title, message)

    @app.errorhandler(OSError)
    def disk_error(error: OSError):
        # A full disk while an upload is spooled or kept; the partial file is already gone (see wsgi_request.py).
        if error.errno != errno.ENOSPC:
            return unexpected(error)
        logger.error("No space left to receive an upload for %s: %s", request.path, error)
        no_space = NoSpaceForUpload()
        return render_error(no_space.code, no_space.title(), no_space.message())
