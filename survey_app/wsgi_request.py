"""The request class: form and query values arrive without NUL characters, and uploads leave nothing behind.

No keyboard types NUL, PostgreSQL refuses it in text, and a lookup with one would fail as a database
error; removing it where values are parsed keeps every form, search and filter safe in one place.

An upload is spooled to a temporary file while it is received; when the disk fills up midway, that file is
closed (which frees it) when the request ends.
"""
from __future__ import annotations

from typing import IO

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict


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


class AppRequest(Request):
    """Flask's request with NUL-free form and query values, and uploads that leave nothing behind."""

    parameter_storage_class = WithoutNul

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
