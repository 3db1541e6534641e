"""Which requests may carry a large upload: decided from the session, before anything reads the body."""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_login import current_user


def takes_import_upload(view: Callable) -> Callable:
    """Let a view receive uploads up to ``IMPORT_MAX_BYTES`` from signed-in staff holding the roles it requires.

    Put it above ``role_required``, whose roles it reads; everyone else keeps ``MAX_CONTENT_LENGTH``.
    """
    roles = getattr(view, "required_roles", None)
    if not roles:
        raise TypeError(f"{view.__name__} must be guarded by role_required to take large uploads")
    view.import_upload_roles = roles  # type: ignore[attr-defined]
    return view


def raise_upload_limit() -> None:
    """Raise the body limit for a signed-in, active user allowed to use the import view being requested.

    Runs first of all, before CSRF protection reads the body; the session alone says who is asking. A larger body
    from anyone else is refused with 413 from its Content-Length, before a byte of it is read.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    roles = getattr(view, "import_upload_roles", None)
    if roles and current_user.is_authenticated and current_user.is_active and current_user.has_role(*roles):
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]
