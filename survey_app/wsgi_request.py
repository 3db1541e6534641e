"""The request class: form and query values arrive without NUL characters.

No keyboard types NUL, PostgreSQL refuses it in text, and a lookup with one would fail as a database
error; removing it where values are parsed keeps every form, search and filter safe in one place.
"""
from __future__ import annotations

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
    """Flask's request with NUL-free form and query values."""

    parameter_storage_class = WithoutNul
