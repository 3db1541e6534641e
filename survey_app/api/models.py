"""API keys: what a program presents to use the JSON API, with the rights of a staff role."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import Role, StaffUser
from ..dbtypes import str_enum, utcnow
from ..extensions import db


class ApiKey(db.Model):
    """A key a program sends as ``Authorization: Bearer …``; only its hash is stored."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the key is for, as the administrator named it.
    name: Mapped[str] = mapped_column(sa.String(120))
    #: admin or analyst: the key may do what a staff member of this role may.
    role: Mapped[Role] = mapped_column(str_enum(Role))
    #: The first characters of the key, shown to tell keys apart (not enough to use it).
    prefix: Mapped[str] = mapped_column(sa.String(16))
    #: SHA-256 of the whole key (hex).
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: When it was created, and by whom (None: by the command line).
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))
    #: The key stops working at this moment (None: never).
    expires_at: Mapped[datetime | None]
    #: When it was revoked (None: it still works).
    revoked_at: Mapped[datetime | None]
    #: Last request made with it, to the minute.
    last_used_at: Mapped[datetime | None]

    created_by: Mapped[StaffUser | None] = relationship()

    def __repr__(self) -> str:
        return f"<ApiKey {self.id} {self.prefix} {self.role}>"

    def usable(self, now: datetime) -> bool:
        """Tell whether the key may be used at ``now``: neither revoked nor expired."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)
