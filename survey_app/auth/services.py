"""Creating staff accounts and signing in."""
from __future__ import annotations

import logging

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from ..dbtypes import utcnow
from ..extensions import db
from ..text import one_line
from .models import Role, StaffUser

logger = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A staff account cannot be created as asked."""


def normalise_email(email: str) -> str:
    """Return the validated, lower-cased address.

    :raise AccountError: if the address is not valid.
    """
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise AccountError(str(error)) from error


def create_user(email: str, role: Role | str, password: str, name: str = "", locale: str | None = None) -> StaffUser:
    """Create a staff account.

    :raise AccountError: if the email is invalid or taken, the role unknown or the password too short.
    """
    email = normalise_email(email)
    try:
        role = Role(role)
    except ValueError as error:
        raise AccountError(f"unknown role {role!r}") from error
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if find_user(email) is not None:
        raise AccountError(f"{email} already has an account")
    user = StaffUser(email=email, role=role, name=one_line(name) or email.split("@")[0], locale=locale)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    logger.info("Staff account %s created with role %s", email, role)
    return user


def find_user(email: str) -> StaffUser | None:
    """Return the account with this email, whatever its case."""
    return db.session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> StaffUser | None:
    """Return the active account matching the credentials, recording the login time."""
    user = find_user(email)
    if user is None or not user.active or not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user
