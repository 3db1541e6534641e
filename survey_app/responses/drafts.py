"""Drafts of personal-link answers: saved as the customer types (or when they ask), resumed when the link is opened
again, dropped once the answers are sent. A draft is never a response and is counted nowhere."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from ..dbtypes import utcnow
from ..extensions import db
from ..surveys.rules import QuestionType
from .answers import Submission, other_field, read_answers
from .definition import SurveyDefinition
from .models import Draft

#: Values kept per question (several for a multiple choice).
MAX_VALUES = 50


def save_draft(invitation_id: int, definition: SurveyDefinition, getlist: Callable[[str], list[str]], locale: str,
               max_text: int) -> None:
    """Keep what the form holds now (only its own fields, each value cut to ``max_text`` characters), in the
    caller's transaction."""
    values = {}
    for question in definition.questions:
        names = [question.field_name]
        if question.type == QuestionType.MAIN_REASON:
            names.append(other_field(question.field_name))  # "Other — please specify": its words
        for name in names:
            kept = [v[:max_text] for v in getlist(name) if v][:MAX_VALUES]
            if kept:
                values[name] = kept
    draft = db.session.get(Draft, invitation_id)
    if draft is None:
        try:
            with db.session.begin_nested():
                db.session.add(Draft(invitation_id=invitation_id, values=values, locale=locale, saved_at=utcnow()))
            return
        except IntegrityError:  # saved meanwhile by another request of the same link
            draft = db.session.get(Draft, invitation_id)
    assert draft is not None
    draft.values, draft.locale, draft.saved_at = values, locale, utcnow()


def resume(invitation_id: int, definition: SurveyDefinition, max_text: int) -> tuple[Submission, datetime] | None:
    """The saved answers as the form shows them again (no error marked: nothing was sent), and when they were
    saved; None without a draft."""
    draft = db.session.get(Draft, invitation_id)
    if draft is None or not draft.values:
        return None
    values = dict(draft.values)
    submission = read_answers(definition, lambda name: list(values.get(name, [])), max_text)
    return replace(submission, errors={}), draft.saved_at


def drop_draft(invitation_id: int) -> None:
    """Forget the draft once the answers are sent (in the caller's transaction)."""
    db.session.execute(delete(Draft).where(Draft.invitation_id == invitation_id))

