"""Column types and helpers shared by the feature models."""
from __future__ import annotations

import enum
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.ext.mutable import MutableDict


def utcnow() -> datetime:
    """Return the current UTC time as a naive datetime (stored the same on every database)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def str_enum(enum_cls: type[enum.Enum], length: int = 20) -> sa.Enum:
    """Store a string enum by value in a VARCHAR column (no native enum type)."""
    return sa.Enum(
        enum_cls, native_enum=False, create_constraint=False, length=length,
        values_callable=lambda members: [m.value for m in members], validate_strings=True,
    )


#: Text per locale, e.g. ``{"en": "Why did you leave?", "fr": "Pourquoi …"}``.
LocalizedText = MutableDict.as_mutable(sa.JSON)


def rows_changed(result: sa.Result) -> int:
    """How many rows an ``UPDATE`` or ``DELETE`` run through ``Session.execute`` changed."""
    return result.rowcount  # type: ignore[attr-defined]  # a CursorResult, typed as Result by the session
