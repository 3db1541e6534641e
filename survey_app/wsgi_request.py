"""The request class: form and query values arrive without NUL characters, and uploads leave nothing behind.

No keyboard types NUL, PostgreSQL refuses it in text, and a lookup with one would fail as a database
error; removing it where values are parsed keeps every form, search and filter safe in one place.

An upload is spooled to a temporary file while it is received; when the disk fills up midway, that file is
closed (which frees it) when the request ends, and a kept copy that could not be written whole is deleted.
"""
from __future__ import annotations

import os
import shutil
from typing import IO

from flask import Request
from werkzeug.datastructures import FileStorage, ImmutableMultiDict, MultiDict
from werkzeug.formparser import FormDataParser


def _clean(value):
    return value.replace("\0", "") if isinstance(value, str) else value


class WithoutNul(ImmutableMultiDict):
    """An immutable multi-dict whose string keys and values have their NUL characters removed."""

    def __init__(self, mapping=None) -> None:
        if mapping is None:
            super().__init__()
            return
        if isinstance(mapping, MultiDict):
            pairs = mapping.items(multi=True)
        elif isinstance(mapping, dict):
            pairs = ((k, v) for k, values in mapping.items()
                     for v in (values if isinstance(values, (list, tuple)) else [values]))
        else:
            pairs = mapping
        super().__init__([(_clean(k), _clean(v)) for k, v in pairs])


class UploadedFile(FileStorage):
    """An uploaded file whose ``save`` to a path deletes what it wrote when it fails (a full disk, most often)."""

    @classmethod
    def from_storage(cls, storage: FileStorage) -> UploadedFile:
        """The same upload, as an ``UploadedFile``."""
        return cls(storage.stream, storage.filename, storage.name, headers=storage.headers)

    def save(self, dst, buffer_size: int = 16384) -> None:
        """Write the file to ``dst``; on failure, remove the partial file at that path and raise.

        :raise OSError: when the file cannot be opened or written (ENOSPC on a full disk).
        """
        if not isinstance(dst, (str, os.PathLike)):
            super().save(dst, buffer_size)
            return
        target = open(dst, "wb")  # a file that cannot even be opened is left as it was
        try:
            shutil.copyfileobj(self.stream, target, buffer_size)
            target.close()  # the last buffered bytes are written now, and can fail too
        except BaseException:
            target.close()  # closes the descriptor even when flushing fails again
            os.unlink(dst)
            raise


class UploadParser(FormDataParser):
    """Werkzeug's form parser, handing out uploads as ``UploadedFile``."""

    def parse(self, *args, **kwargs):
        stream, form, files = super().parse(*args, **kwargs)
        return stream, form, self.cls([(name, UploadedFile.from_storage(upload))
                                       for name, upload in files.items(multi=True)])


class AppRequest(Request):
    """Flask's request with NUL-free form and query values, and uploads that leave nothing behind."""

    parameter_storage_class = WithoutNul
    form_data_parser_class = UploadParser

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> IO[bytes]:
        """Spool an upload as Werkzeug does, remembering the file so that ``close`` frees it however parsing ended."""
        stream = super()._get_file_stream(total_content_length, content_type, filename, content_length)
        self.__dict__.setdefault("_spooled", []).append(stream)
        return stream

    def close(self) -> None:
        """Close the request's files, including one left half-written by a failed upload."""
        try:
            super().close()
        finally:
            for stream in self.__dict__.get("_spooled", ()):
                stream.close()
