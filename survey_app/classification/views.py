"""The review queue: staff confirm or correct what the model was unsure of."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import role_required
from ..auth.models import Role
from ..extensions import db
from ..formutil import ConfirmForm
from ..responses.models import Answer
from ..taxonomy import BUCKETS, NOT_A_REASON
from .services import guesses, review, review_queue

bp = Blueprint("classification", __name__, url_prefix="/staff/review", template_folder="templates")


@bp.get("/")
@role_required(Role.ANALYST)
def queue():
    """Show the waiting answers, least confident first, each with the model's top guesses."""
    rows, total = review_queue()
    items = [(answer, response, guesses(answer, response.locale)) for answer, response in rows]
    return render_template("classification/queue.html", items=items, total=total, buckets=BUCKETS,
                           not_a_reason=NOT_A_REASON, form=ConfirmForm())


@bp.post("/<int:answer_id>")
@role_required(Role.ANALYST)
def decide(answer_id: int):
    """Record the staff decision for one answer and go on with the queue."""
    answer = db.session.get(Answer, answer_id)
    if answer is None or answer.text is None:
        abort(404)
    choice = request.form.get("bucket", "")
    if choice not in (*BUCKETS, NOT_A_REASON):
        abort(400)
    review(answer, None if choice == NOT_A_REASON else choice, current_user.id)
    db.session.commit()
    flash(_("Saved. Next answer below."), "success")
    return redirect(url_for(".queue"))
