"""Creating, listing, revoking and checking API keys."""
from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update

from ..audit.services import record
from ..auth.models import Role
from ..dbtypes import utcnow
from ..domain import Invalid, NotFound
from ..extensions import db
from ..text import one_line
from .models import ApiKey

#: Every key starts with this, so it is recognised where it leaks (logs, repositories).
KEY_PREFIX = "sak_"
#: Characters of a key shown to tell it apart.
SHOWN = 12
#: Roles a key may have (interviewers record interviews in the staff area only).
KEY_ROLES = (Role.ADMIN, Role.ANALYST)
#: Last use is written at most this often for one key.
TOUCH_EVERY = timedelta(minutes=1)
NAME_MAX = 120


class ApiKeyError(Invalid):
    """A key cannot be created as asked; the code says why."""


def hash_key(key: str) -> str:
    """Return the stored form of a key."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def create_key(name: str, role: Role | str, expires: date | None = None,
               created_by_id: int | None = None) -> tuple[ApiKey, str]:
    """Create a key; return it with the key itself, which is shown only now.

    :raise ApiKeyError: ``no_key_name`` without a name, ``unknown_role`` for a role keys cannot have,
        ``expiry_past`` for an expiry day that has come.
    """
    name = one_line(name)[:NAME_MAX]
    if not name:
        raise ApiKeyError("no_key_name")
    if role not in {r.value for r in KEY_ROLES}:
        raise ApiKeyError("unknown_role", role=str(role))
    if expires is not None and expires <= utcnow().date():
        raise ApiKeyError("expiry_past")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey(name=name, role=Role(role), prefix=key[:SHOWN], key_hash=hash_key(key),
                     expires_at=datetime.combine(expires, time.min) if expires else None,
                     created_by_id=created_by_id)
    db.session.add(api_key)
    db.session.flush()
    record("api_key.create", target_type="api_key", target_id=api_key.id,
           detail={"name": api_key.name, "role": api_key.role.value, "prefix": api_key.prefix})
    return api_key, key


def list_keys() -> list[ApiKey]:
    """Every key, the working ones first, the newest first."""
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None),
                                                           ApiKey.created_at.desc(), ApiKey.id.desc())))


def find_key(key_id: int | str) -> ApiKey:
    """Return the key with this id, or with this shown prefix.

    :raise NotFound: if there is none.
    """
    if isinstance(key_id, int) or key_id.isdigit():
        found = db.session.get(ApiKey, int(key_id))
    else:
        found = db.session.scalar(select(ApiKey).where(ApiKey.prefix == key_id))
    if found is None:
        raise NotFound("no_api_key")
    return found


def revoke_key(api_key: ApiKey) -> bool:
    """Revoke a key: it stops working at once. Return False if it was revoked already."""
    if api_key.revoked_at is not None:
        return False
    api_key.revoked_at = utcnow()
    db.session.flush()
    record("api_key.revoke", target_type="api_key", target_id=api_key.id, detail={"name": api_key.name})
    return True


def authenticate(key: str) -> ApiKey | None:
    """Return the working key ``key`` is, noting its use (at most once a minute); None for any other text."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    api_key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
    now = utcnow()
    if api_key is None or not api_key.usable(now):
        return None
    if api_key.last_used_at is None or now - api_key.last_used_at >= TOUCH_EVERY:
        # One conditional write a minute per key, committed on its own: a read-only request changes nothing else.
        db.session.execute(update(ApiKey).where(ApiKey.id == api_key.id,
                                                (ApiKey.last_used_at.is_(None))
                                                | (ApiKey.last_used_at <= now - TOUCH_EVERY))
                           .values(last_used_at=now))
        db.session.commit()
    return api_key
