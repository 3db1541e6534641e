"""Trained classifier versions."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..dbtypes import utcnow
from ..extensions import db


class ClassifierVersion(db.Model):
    """One trained model: where its bytes are, how they were signed, what it scored."""

    __tablename__ = "classifier_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Version name stored on every answer it classifies, e.g. ``20261123-190512``.
    version: Mapped[str] = mapped_column(sa.String(40), unique=True)
    #: When it was trained.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Examples shipped with the application that it learnt from.
    shipped_examples: Mapped[int] = mapped_column(default=0)
    #: Staff-confirmed answers it learnt from.
    staff_examples: Mapped[int] = mapped_column(default=0)
    #: Cross-validated scores on its training data.
    metrics: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: The stored file holding the model's bytes (every process and machine loads the same).
    blob_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_blob.id", ondelete="SET NULL"))
    #: File name in the instance folder's ``models/``, for versions trained before models were stored.
    file_name: Mapped[str | None] = mapped_column(sa.String(120))
    #: HMAC-SHA256 of the file with the secret key: a file that does not match is never loaded.
    signature: Mapped[str] = mapped_column(sa.String(64))

    def __repr__(self) -> str:
        return f"<ClassifierVersion {self.version}>"
