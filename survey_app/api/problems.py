"""Errors of the API as ``application/problem+json`` (RFC 9457): type, title, status, detail, and errors per field."""
from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Blueprint, Flask, Response, jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from ..dbsetup import DatabaseBusy
from ..domain import DomainError
from ..errors import describe, error_title, status_of
from ..extensions import db

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
#: Where every problem type is explained (a fragment of the docs page).
TYPE_BASE = "/api/docs#problem-"

#: Title and detail of each problem the API itself answers with, by type name.
PROBLEMS = {
    "unauthorized": (_l("Authentication needed"),
                     _l("Send a valid API key in the header “Authorization: Bearer KEY”. Keys are created by an "
                        "administrator; a revoked or expired key no longer works.")),
    "forbidden": (_l("Not allowed for this key"),
                  _l("This API key's role may not use this endpoint: ask an administrator for a key with the "
                     "administrator role.")),
    "not_found": (_l("Not found"), _l("There is nothing at this address, or the record asked for does not exist.")),
    "method_not_allowed": (_l("Method not allowed"), _l("This endpoint cannot be used with this HTTP method.")),
    "validation": (_l("Invalid request"), _l("Some values sent are not valid: see “errors” for each field.")),
    "bad_request": (_l("Malformed request"),
                    _l("The request could not be read: send JSON with the header “Content-Type: "
                       "application/json”.")),
    "too_many_rows": (_l("Too many rows"), _l("Send at most %(max)s rows in one request.")),
    "too_large": (_l("Request too large"), _l("What was sent is too large to be received at once.")),
    "rate_limited": (_l("Too many requests"),
                     _l("This API key has sent too many requests: at most %(limit)s. Please wait before trying "
                        "again.")),
    "unavailable": (_l("Temporarily unavailable"),
                    _l("The database cannot be reached right now. Nothing was changed; please try again in a few "
                       "minutes.")),
    "server_error": (_l("Unexpected error"),
                     _l("An unexpected error occurred. It has been logged; please try again later.")),
}

#: Type of each HTTP status the API answers without a more precise one.
_BY_STATUS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
              413: "too_large", 422: "validation", 429: "rate_limited", 503: "unavailable"}

#: The messages of marshmallow (the library that checks request bodies) in the current language.
_FIELD_MESSAGES = {
    "Missing data for required field.": _l("This value is required."),
    "Field may not be null.": _l("This value may not be empty (null)."),
    "Not a valid integer.": _l("Give a whole number."),
    "Not a valid number.": _l("Give a number."),
    "Special numeric values (nan or infinity) are not permitted.": _l("Give a finite number (not NaN or infinity)."),
    "Number too large.": _l("Give a smaller number."),
    "Not a valid string.": _l("Give a text (a JSON string)."),
    "Not a valid boolean.": _l("Give true or false."),
    "Not a valid date.": _l("Give a date written YYYY-MM-DD."),
    "Not a valid list.": _l("Give a list (a JSON array)."),
    "Not a valid mapping type.": _l("Give an object (a JSON object)."),
    "Invalid input type.": _l("Give an object (a JSON object)."),
    "Unknown field.": _l("This field is not known."),
    "Invalid value.": _l("This value is not valid."),
}


def problem(kind: str, status: int, *, title: str | None = None, detail: str | None = None,
            errors: Mapping | None = None, **params: object) -> Response:
    """A problem response of type ``kind`` with this status; title and detail default to the kind's own."""
    texts = PROBLEMS.get(kind, PROBLEMS["server_error"] if status >= 500 else PROBLEMS["bad_request"])
    body: dict[str, object] = {
        "type": TYPE_BASE + kind,
        "title": title if title is not None else str(texts[0]),
        "status": status,
        "detail": detail if detail is not None else str(texts[1]) % params if params else str(texts[1]),
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    response.headers["Content-Language"] = str(get_locale() or "en")
    return response


def translate_messages(messages: object) -> object:
    """Marshmallow's nested error messages with their texts in the current language."""
    if isinstance(messages, Mapping):
        return {str(key): translate_messages(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translate_messages(value) for value in messages]
    text = str(messages)
    return str(_FIELD_MESSAGES[text]) if text in _FIELD_MESSAGES else text


def field_errors(messages: Mapping) -> dict:
    """Webargs' messages (``{"json": {field: [...]}, "query": {...}}``) as one map of field to messages."""
    merged: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, Mapping):
            merged.update({str(key): translate_messages(value) for key, value in fields.items()})
        else:
            merged[str(location)] = translate_messages(fields)
    return merged


def http_problem(error: HTTPException) -> Response:
    """The problem for an HTTP error raised in (or on the way to) the API."""
    status = error.code or 500
    if status == 422 or (status == 400 and getattr(error, "data", {}).get("messages")):
        messages = getattr(error, "data", {}).get("messages") or {}
        if isinstance(messages, Mapping) and isinstance(messages.get("json"), list):  # webargs: not JSON at all
            return problem("bad_request", 400)
        errors = field_errors(messages) if isinstance(messages, Mapping) else {}
        return problem("validation", 422, errors=errors)
    if status == 429:
        return problem("rate_limited", 429, limit=str(getattr(error, "description", "") or "—"))
    kind = getattr(error, "problem_kind", None) or _BY_STATUS.get(status, "server_error" if status >= 500
                                                                  else "bad_request")
    response = problem(kind, status, **getattr(error, "problem_params", {}))
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="survey_app"'
    return response


def domain_problem(error: DomainError) -> Response:
    """The problem for what a service refused: its code names the type, its message is the detail."""
    return problem(error.code, status_of(error), title=error_title(error), detail=describe(error))


class ApiProblem(HTTPException):
    """An HTTP error of the API with its problem type."""

    def __init__(self, status: int, kind: str, **params: object) -> None:
        super().__init__()
        self.code = status
        self.problem_kind = kind
        self.problem_params = params


def handle_errors(blueprint: Blueprint) -> None:
    """Answer every error raised in ``blueprint``'s views (and its hooks) as a problem."""
    blueprint.register_error_handler(HTTPException, http_problem)
    blueprint.register_error_handler(DomainError, domain_problem)
    blueprint.register_error_handler(DBAPIError, _unavailable)
    blueprint.register_error_handler(DatabaseBusy, _unavailable)
    blueprint.register_error_handler(Exception, _unexpected)


def answer_api_paths(app: Flask) -> None:
    """Answer the application's own HTTP errors (404, 405) on paths under ``/api/`` as problems too.

    Called once the error pages are registered: their handler stays for every other path.
    """
    handlers = app.error_handler_spec.setdefault(None, {}).setdefault(None, {})
    pages = handlers.get(HTTPException)

    def http_error(error: HTTPException):
        if request.path.startswith("/api/") or pages is None:
            return http_problem(error)
        return pages(error)

    handlers[HTTPException] = http_error


def _unavailable(error: Exception) -> Response:
    logger.error("Database error in the API: %s", error)
    try:
        db.session.rollback()
    except DBAPIError:
        db.session().invalidate()
    return problem("unavailable", 503)


def _unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return http_problem(error)
    logger.exception("Unhandled error in the API")
    db.session.rollback()
    return problem("server_error", 500, title=_("Unexpected error"))
