"""A counter of changes to data that reports read, so cached figures can tell when they are stale."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class DataRevision(db.Model):
    """A named counter, raised whenever existing answers or customers change (new responses need no raise)."""

    __tablename__ = "data_revision"

    #: What the counter is for, e.g. ``reports``.
    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    #: Raised by one on every change.
    value: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<DataRevision {self.name}={self.value}>"
