"""Stored files: written and read a chunk at a time, the same bytes from any process, never half a file."""
import hashlib
import io
import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from survey_app import create_app
from survey_app.config import TestingConfig
from survey_app.dbtypes import utcnow
from survey_app.storage import services as storage
from survey_app.storage.models import BlobChunk, StoredBlob


def test_a_file_of_several_chunks_reads_back_whole_and_from_anywhere(app, db):
    data = os.urandom(storage.CHUNK_SIZE * 2 + 12345)
    with app.app_context():
        blob_id = storage.put("upload", io.BytesIO(data), "big.csv")
        blob = storage.get_blob(blob_id)
        assert (blob.size, blob.sha256, blob.complete) == (len(data), hashlib.sha256(data).hexdigest(), True)
        assert storage.read_bytes(blob_id) == data
        with storage.open_blob(blob_id) as reader:
            reader.seek(storage.CHUNK_SIZE - 5)
            assert reader.read(10) == data[storage.CHUNK_SIZE - 5:storage.CHUNK_SIZE + 5]
            reader.seek(0)
            assert io.BufferedReader(reader).read() == data
    with db() as session:
        assert session.scalar(select(func.count()).select_from(BlobChunk)) == 3


def test_a_file_whose_writer_failed_midway_leaves_nothing(app, db):
    class Breaks(io.RawIOBase):
        def __init__(self):
            self.calls = 0

        def readable(self):
            return True

        def read(self, size=-1):
            self.calls += 1
            if self.calls > 10:
                raise OSError(5, "Input/output error")
            return b"x" * size

    with app.app_context(), pytest.raises(OSError):
        storage.put("upload", Breaks())
    with db() as session:
        assert session.scalar(select(func.count()).select_from(StoredBlob)) == 0
        assert session.scalar(select(func.count()).select_from(BlobChunk)) == 0


def test_incomplete_or_damaged_files_are_never_read(app, db):
    with app.app_context():
        blob_id = storage.put_bytes("model", b"signed model bytes")
        from survey_app.extensions import db as _db

        _db.session.execute(update(BlobChunk).values(data=b"other model bytes!"))
        _db.session.commit()
        with pytest.raises(storage.BlobDamaged):
            storage.read_bytes(blob_id)
        _db.session.execute(update(StoredBlob).values(complete=False))
        _db.session.commit()
        with pytest.raises(storage.BlobMissing):
            storage.open_blob(blob_id)


def test_old_files_of_a_kind_are_swept_and_others_kept(app, db):
    with app.app_context():
        from survey_app.extensions import db as _db

        old, kept, model = (storage.put_bytes("upload", b"a"), storage.put_bytes("upload", b"b"),
                            storage.put_bytes("model", b"c"))
        _db.session.execute(update(StoredBlob).values(created_at=utcnow() - timedelta(days=8)))
        _db.session.commit()
        new = storage.put_bytes("upload", b"d")
        assert storage.sweep("upload", timedelta(days=7), keep={kept}) == 1
        assert {b.id for b in _db.session.scalars(select(StoredBlob))} == {kept, model, new}
        assert old not in {kept, model, new}


@pytest.mark.slow
def test_a_model_trained_by_one_instance_classifies_on_another_with_its_own_folder(app, runner, db, tmp_path):
    """Two instances share the database and nothing else: the second has never seen the first's folder."""
    other = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    other.instance_path = str(tmp_path / "other-instance")
    assert runner.invoke(args=["classify", "train", "--folds", "0", "--no-staff"]).exit_code == 0
    from survey_app.classification.services import classify_rows

    row = {"bucket": "pending", "text": "Found the same service much cheaper at another company"}
    with other.app_context():
        assert classify_rows([row], ["en"]) == {"sorted": 1, "review": 0, "pending": 0}
    assert row["bucket"] == "competitor" and row["model_version"]
    assert not (tmp_path / "other-instance" / "models").exists()
