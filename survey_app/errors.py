"""Error pages: every failure a person can meet is a translated page with a 4xx/5xx status."""
from __future__ import annotations

import errno
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from .dbsetup import DatabaseBusy
from .domain import Conflict, DomainError, Forbidden, Gone, Invalid, NoSpace, NotFound, Unavailable, set_describer
from .extensions import db

logger = logging.getLogger(__name__)


#: Status of each kind of domain error.
_STATUS: dict[type[DomainError], int] = {Invalid: 400, Forbidden: 403, NotFound: 404, Conflict: 409, Gone: 410,
                                         Unavailable: 503, NoSpace: 507}

#: Title (None: the status's own) and message of every domain error code, in one place; ``%(name)s``
#: placeholders take the error's params.
_TEXTS: dict[str, tuple[LazyString | None, LazyString]] = {
    "unknown_language": (_l("Unknown language"),
                         _l("This language is not available. Please choose English, French, Polish or Russian.")),
    "unknown_link": (_l("This link is not valid"),
                     _l("We could not find a survey for this link. Please check that you copied the whole "
                        "address from your email.")),
    "already_answered": (_l("You have already answered — thank you"),
                         _l("This survey link has already been used, and your answers were recorded. "
                            "Thank you for your time!")),
    "answer_gone": (_l("This answer is no longer available"),
                    _l("The answer given with this link was deleted, or it has been anonymised after the survey’s "
                       "retention period, so it can no longer be shown.")),
    "link_expired": (_l("This link has expired"),
                     _l("The survey link you used is no longer valid. If you would still like to tell us "
                        "something, please reply to the email you received.")),
    "signed_link_refused": (_l("This link cannot be used"),
                            _l("This survey link is not valid: it may have been copied incompletely or changed. "
                               "Please open the survey again from the page that sent you here.")),
    "signed_link_expired": (_l("This link has expired"),
                            _l("This survey link is no longer valid. Please open the survey again from the page "
                               "that sent you here.")),
    "survey_closed": (_l("This survey is closed"),
                      _l("This survey is not taking answers at the moment. Thank you for your interest.")),
    "no_space": (_l("No space to receive this file"),
                 _l("The server has run out of disk space, so it could not receive what you sent, and nothing of "
                    "it was kept. Please tell your administrator, and send the file again once space has been "
                    "freed.")),
    "bad_query_value": (_l("This address is not valid"),
                        _l("The value of “%(name)s” in the address is not one this page accepts (page numbers are "
                           "whole numbers from 1, dates are written YYYY-MM-DD between 1900 and 2999). Change it "
                           "and try again.")),
    "bad_filter": (_l("This report filter is not valid"),
                   _l("The value of “%(field)s” is not one the report accepts. Change it and show the report "
                      "again.")),
    "no_such_survey": (_l("No such survey"),
                       _l("The report names a survey that does not exist (“%(slug)s”). It may have been renamed.")),
    "queue_unavailable": (_l("Temporarily unavailable"),
                          _l("The background work could not be started because the job queue is unreachable. "
                             "Nothing was changed; please try again in a few minutes.")),
    "invalid_transition": (None, _l("This cannot be done in the survey's current state.")),
    "bad_slug": (None, _l("Use 3 to 64 lower-case letters, digits and hyphens.")),
    "slug_taken": (None, _l("Another survey already uses this address.")),
    "unknown_template": (None, _l("Unknown survey template.")),
    "bad_link": (None, _l("Give an address starting with https:// or http://, of at most %(max)s characters, "
                          "without spaces.")),
    "signed_links_off": (None, _l("Signed links are off for this survey: turn them on first.")),
    "bad_link_ref": (None, _l("Give the customer's reference: 1 to %(max)s characters on one line.")),
    "bad_validity": (None, _l("Give a validity such as 30m, 12h, 7d or 2w (minutes, hours, days, weeks), of at "
                              "most a year.")),
    "dates_reversed": (None, _l("The closing date must come after the opening date.")),
    "unknown_reasons": (None, _l("Unknown reasons: %(codes)s")),
    "followup_exists": (_l("Already followed up"), _l("This response already has its follow-up.")),
    "followup_closed": (_l("Already closed"), _l("This follow-up was closed already; nothing was changed.")),
    "cannot_follow_up": (_l("Nobody to contact"),
                         _l("Only a response from a known customer to an exit or loyalty survey can be followed "
                            "up.")),
    "note_required": (None, _l("Please say what was done.")),
    "nothing_to_undo": (_l("Nothing to undo"), _l("Your last decision was undone already, or changed since.")),
    "no_reasons": (None, _l("Offer at least one reason.")),
    "question_has_answers": (None, _l("This question already has answers and cannot be removed.")),
    "question_type_answered": (_l("This question already has answers"),
                               _l("This question already has answers, so its type cannot change: the stored answers "
                                  "would no longer fit it. Add a new question of the other type instead.")),
    "no_question_text": (None, _l("Write the question's text.")),
    "reference_taken": (None, _l("Another customer already has this reference.")),
    "no_reference": (None, _l("Give a reference made of visible characters (control characters and direction "
                              "marks are removed).")),
    "already_invited": (None, _l("This customer is already invited to this survey.")),
    "staff_survey_no_interviews": (_l("No interviews on a staff survey"),
                                   _l("“%(slug)s” is a staff survey: the team answers it anonymously through its "
                                      "public link, so no customer interview can be recorded on it.")),
    "staff_survey_not_invited": (_l("No invitations for a staff survey"),
                                 _l("“%(slug)s” is a staff survey: the team answers it anonymously through its "
                                    "public link, so no customer can be invited to it.")),
    "invalid_email": (None, _l("This is not a valid email address: %(detail)s")),
    "unknown_role": (None, _l("Unknown role “%(role)s”: use admin, analyst or interviewer.")),
    "account_exists": (None, _l("%(email)s already has an account.")),
    "password_too_short": (None, _l("A password needs at least %(min)s characters.")),
    "no_account": (None, _l("No account has the email %(email)s.")),
    "own_account": (None, _l("You cannot do this to your own account: ask another administrator.")),
    "inactive_account": (None, _l("This account is deactivated: reactivate it first.")),
    "last_admin": (None, _l("%(email)s is the last active administrator: make another account an administrator "
                            "first.")),
    "password_link_unknown": (_l("This link is not valid"),
                              _l("This link to choose a password cannot be read. Please check that you copied the "
                                 "whole address from the email, or ask an administrator to send you a new link.")),
    "password_link_expired": (_l("This link has expired"),
                              _l("This link to choose a password is too old to be used. Please ask an administrator "
                                 "to send you a new one.")),
    "password_link_used": (_l("This link has been used"),
                           _l("A password was already chosen with this link, or a newer link was sent since. Sign "
                              "in with your password, or ask an administrator to send you a new link.")),
    "bad_priority": (None, _l("A win-back priority is 1, 2, 3 or 4, given to one of the nine ABC × XYZ cells.")),
    "note_too_long": (None, _l("The note may be at most %(max)s characters long.")),
    "case_exists": (_l("A case is open already"),
                    _l("This customer already has a win-back case being worked on, or one for the day they were "
                       "lost. Open that case, or reopen it, instead.")),
    "case_bad_move": (_l("Not possible in this state"),
                      _l("The case cannot be changed this way now. A customer counts as won back only when a "
                         "purchase after the day they were lost is recorded.")),
    "case_note_needed": (None, _l("Please say why the case is closed.")),
    "text_too_long": (None, _l("This text may be at most %(max)s characters long.")),
    "unknown_reason": (None, _l("There is no reason “%(reason)s” in the catalogue.")),
    "no_exit_answer": (None, _l("This customer has not answered an exit survey or interview.")),
    "purchase_exists": (None, _l("This customer already has a purchase with this order number.")),
}


def describe(error: DomainError) -> str:
    """The message of a domain error in the current language."""
    text = _TEXTS[error.code][1] if error.code in _TEXTS else _generic(status_of(error))[1]
    try:
        return str(text) % error.params if error.params else str(text)
    except (KeyError, TypeError, ValueError):  # a message that takes no such values
        return str(text)


def error_title(error: DomainError) -> str:
    """The heading of the page for a domain error, in the current language."""
    title = _TEXTS[error.code][0] if error.code in _TEXTS else None
    return str(title) if title is not None else _generic(status_of(error))[0]


def status_of(error: DomainError) -> int:
    """The HTTP status a domain error is answered with."""
    return next((status for kind, status in _STATUS.items() if isinstance(error, kind)), 400)


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


#: What a customer meets on a survey link: told in words, with no error code (the status stays).
RESPONDENT_OUTCOMES = frozenset({"already_answered", "answer_gone", "link_expired", "survey_closed", "unknown_link",
                                 "signed_link_refused", "signed_link_expired"})


def render_error(code: int, title: str, message: str, plain: bool = False, show_code: bool = True):
    """Render the shared error page; ``plain`` keeps it off the database (no signed-in user, no staff menu);
    ``show_code`` adds "Error 404" under the message."""
    return render_template("errors/error.html", code=code, title=title, message=message, plain=plain,
                           show_code=show_code), code


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
    """Install the error handlers on ``app``, and let domain errors describe themselves in the current language."""
    set_describer(describe)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return csrf_page()

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        status = status_of(error)
        return render_error(status, error_title(error), describe(error), plain=status >= 500,
                            show_code=error.code not in RESPONDENT_OUTCOMES)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # One handler for all: Flask files HTTPException subclasses under their status code.
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
            return domain_error(NoSpace())
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
        return domain_error(NoSpace())
