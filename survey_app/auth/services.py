"""Staff accounts: creating them, signing in and out, passwords and deactivation."""
from __future__ import annotations

import logging

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from ..dbtypes import utcnow
from ..domain import Invalid
from ..extensions import db
from ..text import one_line
from .models import Role, StaffUser, check_password_of_nobody

logger = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10


class AccountError(Invalid):
    """A staff account cannot be created or changed as asked; the code says why."""


def normalise_email(email: str) -> str:
    """Return the validated, lower-cased address.

    :raise AccountError: if the address is not valid.
    """
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise AccountError("invalid_email", detail=str(error)) from error


def create_user(email: str, role: Role | str, password: str, name: str = "", locale: str | None = None) -> StaffUser:
    """Create a staff account.

    :raise AccountError: if the email is invalid or taken, the role unknown or the password too short.
    """
    email = normalise_email(email)
    try:
        role = Role(role)
    except ValueError as error:
        raise AccountError("unknown_role", role=str(role)) from error
    check_new_password(password)
    if find_user(email) is not None:
        raise AccountError("account_exists", email=email)
    user = StaffUser(email=email, role=role, name=one_line(name) or email.split("@")[0], locale=locale)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    logger.info("Staff account %s created with role %s", email, role)
    return user


def check_new_password(password: str) -> None:
    """Refuse a password too short to be given to an account.

    :raise AccountError: if it has fewer than ``MIN_PASSWORD_LENGTH`` characters.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password_too_short", min=MIN_PASSWORD_LENGTH)


def find_user(email: str) -> StaffUser | None:
    """Return the account with this email, whatever its case."""
    return db.session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> StaffUser | None:
    """Return the active account matching the credentials, recording the login time.

    Every failure costs one slow hash check, so how long it takes does not tell whether the email has an account.
    """
    user = find_user(email)
    matches = user.check_password(password) if user is not None else check_password_of_nobody(password)
    if user is None or not user.active or not matches:
        return None
    user.last_login_at = utcnow()
    return user


def account(email: str) -> StaffUser:
    """Return the account with this email.

    :raise AccountError: if there is none.
    """
    user = find_user(email)
    if user is None:
        raise AccountError("no_account", email=email.strip())
    return user


def user_for_session(session_id: str) -> StaffUser | None:
    """Return the active account whose ``get_id()`` is ``session_id``, or None once that session was ended."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(StaffUser, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def sign_out_everywhere(user: StaffUser) -> None:
    """End every session and remember cookie of ``user``, in every browser."""
    user.end_sessions()
    logger.info("Staff account %s signed out", user.email)


def change_password(user: StaffUser, password: str) -> None:
    """Give ``user`` a new password and end every session signed in with the old one.

    :raise AccountError: if the password is too short.
    """
    check_new_password(password)
    user.set_password(password)
    user.end_sessions()
    logger.info("Password of staff account %s changed", user.email)


def deactivate(user: StaffUser) -> None:
    """Stop ``user`` from signing in, and end every session they have."""
    user.active = False
    user.end_sessions()
    logger.info("Staff account %s deactivated", user.email)


def activate(user: StaffUser) -> None:
    """Let ``user`` sign in again (sessions ended before stay ended)."""
    user.active = True
    logger.info("Staff account %s activated", user.email)
