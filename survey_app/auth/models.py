"""Staff accounts and roles."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..dbtypes import str_enum, utcnow
from ..extensions import db


class Role(enum.StrEnum):
    """What a staff member may do."""

    ADMIN = "admin"
    ANALYST = "analyst"
    INTERVIEWER = "interviewer"


@cache
def _stand_in_hash() -> str:
    """A hash of a random password, made like every account's: checking it costs what checking theirs does."""
    return generate_password_hash(secrets.token_urlsafe(16))


#: Starts the stored hash of an account no password signs in to: invited, or reset by an administrator, and waiting
#: for its owner to choose a password through an emailed link.
UNUSABLE_PREFIX = "!"


def check_password_of_nobody(password: str) -> bool:
    """Spend the work of one password check where there is no account to check, so failures all take as long."""
    check_password_hash(_stand_in_hash(), password)
    return False


class StaffUser(UserMixin, db.Model):
    """A member of staff who signs in to the staff area."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Login name; unique, stored lower-case.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    #: Name shown in lists and on interviews.
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    #: Slow salted hash (scrypt) of the password.
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: admin, analyst or interviewer.
    role: Mapped[Role] = mapped_column(str_enum(Role))
    #: Preferred interface language, or None for the browser's.
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    #: Inactive accounts cannot sign in.
    active: Mapped[bool] = mapped_column(default=True)
    #: When the user last signed in.
    last_login_at: Mapped[datetime | None]
    #: When the account was created.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Part of the id kept in sessions and remember cookies; raised by signing out, a new password and
    #: deactivation, which ends every session and cookie issued before.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<StaffUser {self.id} {self.email} {self.role}>"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """Flask-Login: inactive accounts cannot sign in."""
        return self.active

    def get_id(self) -> str:
        """Flask-Login: the id kept in the session and the remember cookie: the account's id and session version."""
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Make every session and remember cookie issued so far stop working."""
        self.session_version = (self.session_version or 0) + 1

    def set_password(self, password: str) -> None:
        """Store a slow hash of ``password``."""
        self.password_hash = generate_password_hash(password)

    def set_unusable_password(self) -> None:
        """Leave the account without a password anybody knows, until its owner sets one through an emailed link."""
        self.password_hash = UNUSABLE_PREFIX + generate_password_hash(secrets.token_urlsafe(32))

    @property
    def has_password(self) -> bool:
        """Tell whether the account has a password its owner chose."""
        return not self.password_hash.startswith(UNUSABLE_PREFIX)

    def check_password(self, password: str) -> bool:
        """Tell whether ``password`` matches the stored hash (never for an account without a password)."""
        # The hash behind the prefix is checked too, so a refusal takes as long as for any account.
        matches = check_password_hash(self.password_hash.removeprefix(UNUSABLE_PREFIX), password)
        return matches and self.has_password

    def has_role(self, *roles: Role) -> bool:
        """Tell whether the user holds one of ``roles`` (admins hold every role)."""
        return self.role == Role.ADMIN or self.role in roles
