"""Writing, reading and deleting stored files, a chunk at a time (memory stays flat for any size)."""
from __future__ import annotations

import hashlib
import io
import logging
from datetime import timedelta
from typing import BinaryIO, Collection

from sqlalchemy import delete, insert, select, update

from ..dbtypes import utcnow
from ..extensions import db
from .models import BlobChunk, StoredBlob

logger = logging.getLogger(__name__)

#: Bytes per chunk: small enough for any database packet limit, large enough to need few rows.
CHUNK_SIZE = 1 << 20
#: Chunks written per transaction.
CHUNKS_PER_COMMIT = 8
_CHUNK = BlobChunk.__table__
_BLOB = StoredBlob.__table__


class BlobMissing(LookupError):
    """No complete stored file has this id."""


class BlobDamaged(BlobMissing):
    """A stored file's bytes are not the ones written (a chunk of the wrong size, or another SHA-256)."""


def put(kind: str, stream: BinaryIO, name: str = "") -> int:
    """Store the bytes of ``stream`` and commit; return the new file's id.

    Written in short transactions; if writing fails midway, what was written is deleted.
    """
    blob_id: int = db.session.execute(insert(_BLOB).values(kind=kind, name=name[:200], size=0, complete=False,
                                                      created_at=utcnow()).returning(_BLOB.c.id)).scalar_one()
    db.session.commit()
    digest, size, seq = hashlib.sha256(), 0, 0
    try:
        while chunk := stream.read(CHUNK_SIZE):
            db.session.execute(insert(_CHUNK).values(blob_id=blob_id, seq=seq, data=chunk))
            digest.update(chunk)
            size += len(chunk)
            seq += 1
            if seq % CHUNKS_PER_COMMIT == 0:
                db.session.commit()
        db.session.execute(update(_BLOB).where(_BLOB.c.id == blob_id)
                           .values(size=size, sha256=digest.hexdigest(), complete=True))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        remove(blob_id)
        raise
    return blob_id


def put_bytes(kind: str, data: bytes, name: str = "") -> int:
    """Store ``data`` and commit; return the new file's id."""
    return put(kind, io.BytesIO(data), name)


def get_blob(blob_id: int) -> StoredBlob:
    """The complete stored file with this id.

    :raise BlobMissing: if there is none.
    """
    blob = db.session.get(StoredBlob, blob_id)
    if blob is None or not blob.complete:
        raise BlobMissing(blob_id)
    return blob


def read_bytes(blob_id: int) -> bytes:
    """All the bytes of a stored file (for small files such as models), checked against its SHA-256.

    :raise BlobMissing: if there is no such complete file, or its bytes are not the ones written.
    """
    blob = get_blob(blob_id)
    with BlobReader(blob_id, blob.size) as reader:
        data = reader.read()
    if hashlib.sha256(data).hexdigest() != blob.sha256:
        raise BlobDamaged(blob_id)
    return data


def open_blob(blob_id: int) -> BlobReader:
    """A seekable binary stream over a stored file, reading one chunk at a time.

    :raise BlobMissing: if there is no such complete file.
    """
    return BlobReader(blob_id, get_blob(blob_id).size)


def remove(blob_id: int) -> None:
    """Delete a stored file and commit (its chunks go with it)."""
    db.session.execute(delete(_CHUNK).where(_CHUNK.c.blob_id == blob_id))
    db.session.execute(delete(_BLOB).where(_BLOB.c.id == blob_id))
    db.session.commit()


def sweep(kind: str, older_than: timedelta, keep: Collection[int] = frozenset()) -> int:
    """Delete the files of ``kind`` created before ``older_than`` ago, except ``keep``; return how many."""
    cutoff = utcnow() - older_than
    ids = [i for i in db.session.scalars(select(StoredBlob.id).where(StoredBlob.kind == kind,
                                                                   StoredBlob.created_at < cutoff))
           if i not in keep]
    for blob_id in ids:
        remove(blob_id)
    if ids:
        logger.info("Removed %d stored %s files older than %s", len(ids), kind, older_than)
    return len(ids)


class BlobReader(io.RawIOBase):
    """A stored file as a raw binary stream: reads fetch the chunks they need, seek moves anywhere."""

    def __init__(self, blob_id: int, size: int) -> None:
        super().__init__()
        self.blob_id, self.size = blob_id, size
        self._position = 0
        self._chunk: tuple[int, bytes] = (-1, b"")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(view) and self._position < self.size:
            seq, start = divmod(self._position, CHUNK_SIZE)
            if self._chunk[0] != seq:
                data = db.session.scalar(select(BlobChunk.data).where(BlobChunk.blob_id == self.blob_id,
                                                                      BlobChunk.seq == seq))
                if data is None:
                    raise BlobMissing(self.blob_id)
                if len(data) != min(CHUNK_SIZE, self.size - seq * CHUNK_SIZE):
                    raise BlobDamaged(self.blob_id)
                self._chunk = (seq, bytes(data))
            piece = self._chunk[1][start:start + len(view) - filled]
            view[filled:filled + len(piece)] = piece
            filled += len(piece)
            self._position += len(piece)
        return filled
