"""Stored files: a row per file, its bytes in chunks, so every process on every machine reads the same."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..dbtypes import utcnow
from ..extensions import db


class StoredBlob(db.Model):
    """One stored file."""

    __tablename__ = "stored_blob"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What it is: ``upload`` (a CSV waiting to be imported) or ``model`` (a trained classifier).
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    #: The name it came with (shown to people, never used as a path).
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Size in bytes.
    size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: SHA-256 of the bytes (hex), set once the last chunk is written.
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    #: All chunks written: an incomplete file (its writer died) is never read and is swept away.
    complete: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<StoredBlob {self.id} {self.kind} {self.size}>"


class BlobChunk(db.Model):
    """A piece of a stored file, in order."""

    __tablename__ = "stored_blob_chunk"

    #: The file it belongs to.
    blob_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_blob.id", ondelete="CASCADE"), primary_key=True)
    #: Position of the piece, from 0.
    seq: Mapped[int] = mapped_column(primary_key=True)
    #: The bytes (at most :data:`~survey_app.storage.services.CHUNK_SIZE`).
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)

    def __repr__(self) -> str:
        return f"<BlobChunk {self.blob_id}:{self.seq}>"
