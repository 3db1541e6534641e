"""Role checks for staff views."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .models import Role


def role_required(*roles: Role) -> Callable:
    """Let signed-in staff holding one of ``roles`` (or admins) through; 403 for the others."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # type: ignore[attr-defined]  # read by takes_import_upload
        return wrapped

    return decorator


#: Everybody on the staff.
ANY_STAFF = (Role.ADMIN, Role.ANALYST, Role.INTERVIEWER)
