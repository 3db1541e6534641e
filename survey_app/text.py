"""Cleaning text that must stay on one line: names, references, email headers (pure Python)."""
from __future__ import annotations

import re
from typing import overload

#: Control characters, line and paragraph separators, and bidirectional overrides that could disguise text.
_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]+")


_SPACES = re.compile(" {2,}")


@overload
def one_line(text: str) -> str: ...
@overload
def one_line(text: None) -> None: ...
def one_line(text: str | None) -> str | None:
    """Return ``text`` on one line: control characters and line breaks become spaces, runs of spaces one space.

    No-break spaces stay (French typography puts them before ``?`` and ``:``).
    """
    if text is None:
        return None
    return _SPACES.sub(" ", _BREAKING.sub(" ", text)).strip(" ")


def has_breaking(text: str) -> bool:
    """Tell whether ``text`` holds a character :func:`one_line` would replace."""
    return _BREAKING.search(text) is not None
