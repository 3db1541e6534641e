"""Follow-up pages: my follow-ups, all and overdue ones, closing one, opening one from a response."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import role_required
from ..auth.models import Role
from ..dbtypes import utcnow
from ..extensions import db
from ..formutil import ConfirmForm
from ..responses.queries import get_response
from .forms import OUTCOME_LABELS, CloseForm
from .models import FollowUp
from .rules import Outcome
from .services import TaskFilter, close, list_followups, on_time, open_by_hand

bp = Blueprint("followups", __name__, url_prefix="/staff/followups", template_folder="templates")

#: The lists: my follow-ups (anyone), all of them and the overdue ones (analysts and admins).
VIEWS = ("mine", "all", "overdue")
SHOWN = 500


@bp.get("/")
@role_required(Role.ANALYST, Role.INTERVIEWER)
def index():
    """The follow-ups to do: one's own, or (analysts, admins) everyone's, or those past their last day."""
    view = request.args.get("view", "mine")
    if view not in VIEWS:
        view = "mine"
    if view != "mine" and not current_user.has_role(Role.ANALYST):
        abort(403)
    today = utcnow().date()
    f = TaskFilter(owner_id=current_user.id if view == "mine" else None, overdue=view == "overdue")
    return render_template("followups/index.html", tasks=list_followups(f, today, SHOWN), view=view, today=today,
                           views=VIEWS, on_time=on_time(today), outcome_labels=OUTCOME_LABELS)


def _may_close(task: FollowUp) -> bool:
    return task.owner_id == current_user.id or current_user.has_role(Role.ANALYST)


@bp.post("/<int:task_id>/close")
@role_required(Role.ANALYST, Role.INTERVIEWER)
def close_task(task_id: int):
    """Close a follow-up with its outcome and a note; a missing note keeps what was typed and says so."""
    task = db.session.get(FollowUp, task_id)
    if task is None:
        abort(404)
    if not _may_close(task):
        abort(403)
    form = CloseForm()
    if not form.validate_on_submit():
        response = get_response(task.response_id)
        return render_template("responses/show.html", response=response, tasks=[task], close_form=form,
                               open_form=ConfirmForm(), outcome_labels=OUTCOME_LABELS, today=utcnow().date()), 400
    close(task, Outcome(form.outcome.data), form.note.data or "", current_user.id)
    db.session.commit()
    flash(_("Follow-up closed."), "success")
    return redirect(url_for("responses.show", response_id=task.response_id))


@bp.post("/responses/<int:response_id>/open")
@role_required(Role.ANALYST)
def open_task(response_id: int):
    """Open a follow-up for a response by hand."""
    response = get_response(response_id)
    if response is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    open_by_hand(response, current_user.id)
    db.session.commit()
    from .jobs import request_notify

    request_notify()
    flash(_("Follow-up opened."), "success")
    return redirect(url_for("responses.show", response_id=response_id))
