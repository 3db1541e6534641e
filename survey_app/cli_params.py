"""Option types shared by the ``flask`` commands of several features."""
from __future__ import annotations

from datetime import date

import click


def day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    """A ``--since``/``--until``-style option read as YYYY-MM-DD (None when not given); a usage error otherwise."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None
