"""The state of the data reports read: a cheap key that changes whenever a report could change.

New responses raise the highest response id; everything else that changes counted data (staff
reviews, reclassification, customer edits and imports, erasure, imported answers, deletions) is
announced by a signal (:mod:`survey_app.signals`), on which the ``reports`` revision is raised in
the same transaction, so a cached figure is never served after a change.
"""
from __future__ import annotations

from sqlalchemy import func, insert, select, update

from ..extensions import db
from ..responses.models import Response
from ..signals import answers_changed, customer_changed, customer_erasing, purchase_recorded
from .models import DataRevision

_NAME = "reports"


def bump_revision() -> None:
    """Mark counted data as changed (call inside the transaction that changes it)."""
    table = DataRevision.__table__
    result = db.session.execute(update(table).where(table.c.name == _NAME).values(value=table.c.value + 1))
    if result.rowcount == 0:
        db.session.execute(insert(table).values(name=_NAME, value=1))


def data_state() -> tuple[int, int]:
    """(revision, newest response id): figures cached at this state are exact until either changes."""
    revision = db.session.scalar(select(DataRevision.value).where(DataRevision.name == _NAME)) or 0
    return revision, db.session.scalar(select(func.max(Response.id))) or 0


def _data_changed(_sender, **_details) -> None:
    bump_revision()


def connect() -> None:
    """Raise the revision whenever counted answers or customers change."""
    for signal in (answers_changed, customer_changed, customer_erasing, purchase_recorded):
        signal.connect(_data_changed)
