"""Who is calling the API: the key in ``Authorization: Bearer …``, its role, and its rate limit."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import current_app, g, request
from flask_babel import get_locale, refresh

from ..auth.models import Role
from .problems import ApiProblem
from .services import authenticate

#: Roles that include another's rights (an administrator may do what an analyst may).
_INCLUDES = {Role.ADMIN: {Role.ADMIN, Role.ANALYST}, Role.ANALYST: {Role.ANALYST}}


@dataclass(frozen=True)
class Caller:
    """The key a request was authenticated with (``flask.g.api_key``; the audit log reads it)."""

    id: int
    name: str
    role: Role
    prefix: str


def bearer_token() -> str | None:
    """The key in the request's ``Authorization: Bearer`` header, if any."""
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def current_caller() -> Caller | None:
    """The key this request was sent with, if it is a working key (looked up once per request)."""
    if "api_caller" not in g:
        token = bearer_token()
        api_key = authenticate(token) if token else None
        g.api_caller = (Caller(api_key.id, api_key.name, api_key.role, api_key.prefix)
                        if api_key is not None else None)
    return g.api_caller


def require_key() -> None:
    """Before each API request: refuse it (401) without a working key; else remember the key in ``g.api_key``.

    Cookies play no part: a signed-in browser has no more rights here than anyone without a key.
    """
    g.respondent = True  # the language: ?lang=, then Accept-Language, never a staff account's preference
    lang = request.args.get("lang")
    g.locale_hints = [lang] if lang else []
    g.api_request = True
    refresh()
    caller = current_caller()
    if caller is None:
        raise ApiProblem(401, "unauthorized")
    g.api_key = caller


def limit_key() -> str:
    """What the API's rate limit counts by: the key's id (requests without a working key share one count per
    address)."""
    caller = current_caller()
    return f"api-key:{caller.id}" if caller is not None else f"api-anonymous:{request.remote_addr}"


def rate_limit() -> str:
    """The API's rate limit per key (``API_RATE_LIMIT``)."""
    return current_app.config.get("API_RATE_LIMIT") or "600/minute"


def needs(role: Role) -> Callable:
    """Let only keys whose role includes ``role`` call the view; 403 for the others."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            caller: Caller = g.api_key
            if role not in _INCLUDES.get(caller.role, set()):
                raise ApiProblem(403, "forbidden")
            return view(*args, **kwargs)

        wrapped.api_role = role  # type: ignore[attr-defined]  # shown in the docs
        return wrapped

    return decorator


def say_language(response):
    """After each API request: name the language of its texts (problems, refused rows); forbid caching."""
    response.headers.setdefault("Content-Language", str(get_locale() or "en"))
    response.headers["Cache-Control"] = "no-store"  # customers' data: never kept by a proxy or a browser
    return response
