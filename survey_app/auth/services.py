"""Staff accounts: creating and inviting them, roles, signing in and out, passwords and deactivation."""
from __future__ import annotations

import logging

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..dbtypes import utcnow
from ..domain import Conflict, Invalid
from ..extensions import db
from ..languages import is_language
from ..text import one_line
from .models import Role, StaffUser, check_password_of_nobody

logger = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10


class AccountError(Invalid):
    """A staff account cannot be created or changed as asked; the code says why."""


class AccountRefused(Conflict):
    """A change refused to keep the staff area administered: done to one's own account, or to the last admin."""


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

    :raise AccountError: if the email is invalid or taken, the role or language unknown or the password too short.
    """
    email, role = normalise_email(email), _role(role)
    check_new_password(password)
    user = _add_account(email, role, name, locale, password)
    logger.info("Staff account %s created with role %s", email, role)
    return user


def invite_user(email: str, role: Role | str, name: str = "", locale: str | None = None) -> StaffUser:
    """Create a staff account without a password; its owner chooses one through an emailed link.

    :raise AccountError: if the email is invalid or taken, or the role or language unknown.
    """
    user = _add_account(normalise_email(email), _role(role), name, locale, None)
    logger.info("Staff account %s invited with role %s", user.email, user.role)
    return user


def _role(role: Role | str) -> Role:
    """The role named ``role``.

    :raise AccountError: if there is no such role.
    """
    try:
        return Role(role)
    except ValueError as error:
        raise AccountError("unknown_role", role=str(role)) from error


def _add_account(email: str, role: Role, name: str, locale: str | None, password: str | None) -> StaffUser:
    """Store a new account with ``password``, or none that can sign in (None).

    :raise AccountError: if the language is unknown or the email taken (also by an account added meanwhile).
    """
    if locale is not None and not is_language(locale):
        raise AccountError("unknown_language")
    if find_user(email) is not None:
        raise AccountError("account_exists", email=email)
    user = StaffUser(email=email, role=role, name=one_line(name) or email.split("@")[0], locale=locale)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError as error:  # another request added the same email since it was looked up
        raise AccountError("account_exists", email=email) from error
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


def deactivate(user: StaffUser, by: StaffUser | None = None) -> None:
    """Stop ``user`` from signing in, and end every session they have (and every password link sent to them).

    :param by: the administrator doing it from the staff pages (None: an operator at the command line, who can always
        create another admin there).
    :raise AccountRefused: from the staff pages, if ``by`` is ``user`` or ``user`` is the last active admin.
    """
    if by is not None:
        _refuse_own_account(user, by)
        _keep_an_admin(user)
    user.active = False
    user.end_sessions()
    logger.info("Staff account %s deactivated%s", user.email, f" by {by.email}" if by else "")


def activate(user: StaffUser) -> None:
    """Let ``user`` sign in again (sessions ended before stay ended)."""
    user.active = True
    logger.info("Staff account %s activated", user.email)


def staff_list() -> list[StaffUser]:
    """Every staff account: active ones first, then by name."""
    return list(db.session.scalars(select(StaffUser).order_by(StaffUser.active.desc(), func.lower(StaffUser.name),
                                                              StaffUser.id)))


def update_account(user: StaffUser, role: Role | str, locale: str | None, by: StaffUser) -> None:
    """Give ``user`` a role and a preferred language (None: the browser's).

    :raise AccountError: if the role or language is unknown.
    :raise AccountRefused: if an admin would take the admin role from themselves, or from the last active admin.
    """
    role = _role(role)
    if locale is not None and not is_language(locale):
        raise AccountError("unknown_language")
    if user.role == Role.ADMIN and role != Role.ADMIN:
        _refuse_own_account(user, by)
        _keep_an_admin(user)
    if role != user.role:
        logger.info("Staff account %s given the role %s by %s", user.email, role, by.email)
    user.role, user.locale = role, locale


def reset_password(user: StaffUser, by: StaffUser) -> None:
    """Take away ``user``'s password and end their sessions at once; they choose a new one through an emailed link.

    :raise AccountRefused: if ``by`` is ``user`` (an admin changes their own password otherwise), or the account is
        deactivated.
    """
    _refuse_own_account(user, by)
    if not user.active:  # the link would not work: deactivation spends every link
        raise AccountRefused("inactive_account")
    user.set_unusable_password()
    user.end_sessions()
    logger.info("Password of staff account %s reset by %s", user.email, by.email)


def _refuse_own_account(user: StaffUser, by: StaffUser | None) -> None:
    """Refuse an admin locking themselves out.

    :raise AccountRefused: if ``by`` is ``user``.
    """
    if by is not None and by.id == user.id:
        raise AccountRefused("own_account")


def _keep_an_admin(user: StaffUser) -> None:
    """Refuse to take the last active admin away.

    :raise AccountRefused: if ``user`` is an active admin and no other account is.
    """
    if user.role != Role.ADMIN or not user.active:
        return
    # Locks the admins' rows (PostgreSQL), so two admins cannot take each other's role at the same time.
    others = db.session.scalars(select(StaffUser.id).where(StaffUser.role == Role.ADMIN, StaffUser.active.is_(True),
                                                          StaffUser.id != user.id).with_for_update()).all()
    if not others:
        raise AccountRefused("last_admin", email=user.email)
