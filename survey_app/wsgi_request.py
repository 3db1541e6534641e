"""The request class: form, query and JSON values arrive without NUL characters, and uploads leave nothing behind.

No keyboard types NUL, PostgreSQL refuses it in text, and a lookup with one would fail as a database
error; removing it where values are parsed keeps every form, search, filter and JSON body safe in one place.
A JSON text holding a lone surrogate (``"\\ud800"``) cannot be stored or even encoded as UTF-8: such a body is
not read (a 400, as for any malformed JSON), and neither is one nested too deeply to parse.

An upload is spooled to a temporary file while it is received; when the disk fills up midway, that file is
closed (which frees it) when the request ends.
"""
from __future__ import annotations

import json
import re
from typing import IO, Any

from flask import Request
from flask import json as flask_json
from werkzeug.datastructures import ImmutableMultiDict, MultiDict


def _clean(value):
    return value.replace("\0", "") if isinstance(value, str) else value


#: Surrogate code points: in a decoded JSON text, only a lone half of a pair (a valid pair is one character).
_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean_json(value: Any, text: str) -> Any:
    if isinstance(value, str):
        match = _SURROGATE.search(value)
        if match:
            raise json.JSONDecodeError("lone surrogate in a text", text, 0)
        return _clean(value)
    if isinstance(value, list):
        return [_clean_json(item, text) for item in value]
    if isinstance(value, dict):
        return {_clean_json(key, text): _clean_json(item, text) for key, item in value.items()}
    return value


def load_json(data: str | bytes) -> Any:
    """Parse a JSON body: texts without NUL characters.

    :raise json.JSONDecodeError: for what is not JSON, holds a lone surrogate or is nested too deeply (a
        ``ValueError``, as Flask and webargs expect of a body they cannot read).
    """
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    try:
        return _clean_json(flask_json.loads(text), text)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None


class _CleanJson:
    """The JSON module of :class:`AppRequest` (``request.get_json``)."""

    loads = staticmethod(load_json)
    dumps = staticmethod(flask_json.dumps)


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
    """Flask's request with NUL-free form, query and JSON values, and uploads that leave nothing behind."""

    parameter_storage_class = WithoutNul

    @property
    def json_module(self) -> type[_CleanJson]:
        """The JSON loader of ``get_json``: :func:`load_json` (which parses with the application's provider)."""
        return _CleanJson

    @json_module.setter
    def json_module(self, provider: object) -> None:
        """Flask sets its JSON provider on each request: :func:`load_json` uses it already."""

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
