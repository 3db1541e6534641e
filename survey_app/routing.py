"""Values read from URLs, and URLs built from the request.

* URL converters, installed before any blueprint: a path segment never holds NUL or control characters,
  and an ``int`` is an id from 1 to ``MAX_ID``; anything else is a 404, on every route.
* Query arguments: page numbers, ids and dates are read through one bounded parser each; a value out of
  range is a translated 400 naming the argument.
* Links back to the current page have their path percent-encoded so no browser reads it as another host,
  and ``next`` targets must be paths on this site, so nothing a visitor puts in a URL can send the browser
  elsewhere.
"""
from __future__ import annotations

from datetime import date
from urllib.parse import quote, urlencode, urlsplit

from flask import Flask, request
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter, PathConverter, UnicodeConverter, ValidationError

from .bounds import MAX_ID, MAX_PAGE, parse_day, parse_int
from .domain import Invalid

#: Characters no path segment may hold: C0 controls (NUL included), DEL and C1 controls.
_CONTROL = "\\x00-\\x1f\\x7f-\\x9f"


class TextConverter(UnicodeConverter):
    """The default converter, without NUL or control characters."""

    def __init__(self, map, minlength: int = 1, maxlength: int | None = None, length: int | None = None) -> None:
        super().__init__(map, minlength, maxlength, length)
        self.regex = self.regex.replace("[^/]", f"[^/{_CONTROL}]")


class SafePathConverter(PathConverter):
    """``path``: like the default, but slashes are allowed."""

    regex = f"[^/{_CONTROL}][^{_CONTROL}]*?"


class IdConverter(IntegerConverter):
    """``int``: a database id written with the digits 0–9, from 1 to ``MAX_ID`` (the largest INTEGER)."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(self.max)):  # before int(): very long digit strings are refused by Python
            raise ValidationError()
        return super().to_python(value)


def register_converters(app: Flask) -> None:
    """Install the converters; call before registering blueprints (rules pick their converters when added)."""
    app.url_map.converters.update(default=TextConverter, string=TextConverter, path=SafePathConverter,
                                  int=IdConverter)


def int_arg(name: str, default: int, high: int = MAX_PAGE, args: MultiDict | None = None) -> int:
    """The whole number from 1 to ``high`` in query argument ``name``; ``default`` when absent or empty.

    :raise Invalid: if it is anything else.
    """
    value = (request.args if args is None else args).get(name, "")
    if not value.strip():
        return default
    try:
        return parse_int(value, 1, high)
    except ValueError:
        raise Invalid("bad_query_value", name=name) from None


def day_arg(name: str, args: MultiDict | None = None) -> date | None:
    """The date (YYYY-MM-DD, years 1900–2999) in query argument ``name``; None when absent or empty.

    :raise Invalid: if it is anything else.
    """
    value = (request.args if args is None else args).get(name, "")
    if not value.strip():
        return None
    try:
        return parse_day(value)
    except ValueError:
        raise Invalid("bad_query_value", name=name) from None


def this_page(**changes: str) -> str:
    """A link to the current page with its query arguments, ``changes`` applied, that stays on this site.

    Every character of the path a browser might read as a slash or drop (``\\``, tabs, line breaks) is
    percent-encoded and leading slashes are merged, so ``/\\evil.example`` or ``//evil.example`` cannot
    become a link to another host.
    """
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        args[key] = [value]
    path = "/" + quote(request.script_root + request.path, safe="/:@!$&'()*+,;=").lstrip("/")
    query = urlencode(args, doseq=True)
    return f"{path}?{query}" if query else path


def is_site_path(target: str | None) -> bool:
    """Tell whether ``target`` is a path on this site (``/…``) that no browser reads as another host."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    # Browsers read "\" as "/" and drop tabs and line breaks: "/\evil.example" and "/\t/evil.example" leave the site.
    if "\\" in target or any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
