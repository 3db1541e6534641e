"""One-time links with which a staff member chooses a password: signed, dated, and spent once a password is set."""
from __future__ import annotations

import hashlib
import time
from datetime import timedelta

from flask import current_app
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from ..domain import Gone, NotFound
from ..extensions import db
from .models import StaffUser

#: Keeps these signatures apart from every other use of SECRET_KEY.
SALT = "staff-set-password"


class PasswordLinkUnknown(NotFound):
    """The link was not made by this application (mistyped, cut short or forged)."""

    code = "password_link_unknown"


class PasswordLinkExpired(Gone):
    """The link is older than ``STAFF_LINK_DAYS``."""

    code = "password_link_expired"


class PasswordLinkUsed(Gone):
    """A password was set with the link, a newer link was sent, or the account was deactivated since."""

    code = "password_link_used"


def _clock() -> float:
    """Seconds since the epoch, where links are dated and checked (tests move it forward)."""
    return time.time()


class _Signer(TimestampSigner):
    """Dates signatures by :func:`_clock`."""

    def get_timestamp(self) -> int:
        return int(_clock())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=_Signer)


def _state(user: StaffUser) -> str:
    """A digest of what a password link is bound to: the account's session version and password hash.

    Setting a password, sending a newer link and deactivating all change it, which spends every link sent before.
    """
    return hashlib.sha256(f"{user.session_version}:{user.password_hash}".encode()).hexdigest()[:32]


def password_token(user: StaffUser) -> str:
    """The token of a link with which ``user`` chooses a password, once."""
    return _serializer().dumps([user.id, _state(user)])


def link_lifetime() -> timedelta:
    """How long a password link works."""
    return timedelta(days=current_app.config["STAFF_LINK_DAYS"])


def account_for_token(token: str) -> StaffUser:
    """The account a password link is for, while the link may still be used.

    :raise PasswordLinkUnknown: if the token was not signed here.
    :raise PasswordLinkExpired: if it is older than :func:`link_lifetime`.
    :raise PasswordLinkUsed: if it was spent or replaced, or the account is deactivated or gone.
    """
    lifetime = link_lifetime()
    try:
        payload = _serializer().loads(token, max_age=int(lifetime.total_seconds()))
    except SignatureExpired as error:
        raise PasswordLinkExpired() from error
    except BadData as error:
        raise PasswordLinkUnknown() from error
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)):
        raise PasswordLinkUnknown()
    user = db.session.get(StaffUser, payload[0])
    if user is None or not user.active or payload[1] != _state(user):
        raise PasswordLinkUsed()
    return user
