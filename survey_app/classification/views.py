"""The review queue: staff confirm or correct what the model was unsure of (identical texts once for all, the last
decision undoable), and correct any answer's classification from its response page."""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..audit.services import record
from ..auth.access import role_required
from ..auth.models import Role
from ..domain import Conflict
from ..extensions import db
from ..formutil import ConfirmForm
from ..responses.models import Answer
from ..taxonomy import BUCKETS, NOT_A_REASON
from .services import UNDO_LIMIT, guesses, review, review_queue, same_text_counts, undo

bp = Blueprint("classification", __name__, url_prefix="/staff/review", template_folder="templates")

#: Where a decision may send the person back to besides the queue: the response page it was made on.
_RETURN = re.compile(r"^/staff/responses/\d{1,10}$")
_UNDO = "review_undo"


class NothingToUndo(Conflict):
    """No decision of this person is left to undo."""

    code = "nothing_to_undo"


@bp.get("/")
@role_required(Role.ANALYST)
def queue():
    """Show the waiting answers, least confident first, each with the model's top guesses."""
    rows, total = review_queue()
    items = [(answer, response, guesses(answer, response.locale)) for answer, response in rows]
    return render_template("classification/queue.html", items=items, total=total, buckets=BUCKETS,
                           not_a_reason=NOT_A_REASON, form=ConfirmForm(),
                           same=same_text_counts([answer.id for answer, _response in rows]),
                           can_undo=bool(session.get(_UNDO)))


@bp.post("/<int:answer_id>")
@role_required(Role.ANALYST)
def decide(answer_id: int):
    """Record the staff decision for one answer (and every waiting answer with the same text); go on with the queue,
    or back to the response page it was made on."""
    answer = db.session.get(Answer, answer_id)
    if answer is None or answer.text is None:
        abort(404)
    choice = request.form.get("bucket", "")
    if choice not in (*BUCKETS, NOT_A_REASON):
        abort(400)
    previous = review(answer, None if choice == NOT_A_REASON else choice, current_user.id)
    record("review.decide", target_type="answer", target_id=answer_id,
           detail={"bucket": choice, "answers": len(previous), "response_id": answer.response_id})
    db.session.commit()
    if len(previous) <= UNDO_LIMIT:
        session[_UNDO] = previous
    else:
        session.pop(_UNDO, None)
    flash(_("Saved.") if len(previous) == 1 else ngettext(
        "Saved for %(num)d answer with the same text.", "Saved for %(num)d answers with the same text.",
        len(previous)), "success")
    back = request.form.get("next", "")
    return redirect(back if _RETURN.match(back) else url_for(".queue"))


@bp.post("/undo")
@role_required(Role.ANALYST)
def undo_last():
    """Undo this person's last decision: the answers it changed go back to what they were.

    :raise NothingToUndo: if there is none (or it was undone already).
    """
    if not ConfirmForm().validate_on_submit():
        abort(400)
    previous = session.pop(_UNDO, None)
    if not previous or not undo(previous, current_user.id):
        raise NothingToUndo()
    record("review.undo", target_type="answer", target_id=previous[0].get("id") if previous else None,
           detail={"answers": len(previous)})
    db.session.commit()
    flash(_("Undone: the answers are as they were before your last decision."), "success")
    return redirect(url_for(".queue"))
