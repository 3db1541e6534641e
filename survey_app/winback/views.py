"""Win-back pages: my cases, all cases, a case with its plan, opening a case by hand."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import ANY_STAFF, role_required
from ..auth.models import Role, StaffUser
from ..customers.models import Customer
from ..dbtypes import utcnow
from ..domain import DomainError, Invalid
from ..errors import status_of
from ..extensions import db
from ..formutil import ConfirmForm, choices
from ..labels import reason_label
from ..lost.forms import PRIORITY_LABELS
from ..purchases.services import purchase_history, record_purchase
from ..routing import int_arg
from ..surveys.models import Reason
from ..taxonomy import BUCKETS
from .forms import (
    CHANNEL_LABELS,
    STATE_LABELS,
    AgreeForm,
    CloseCaseForm,
    DetailsForm,
    PurchaseForm,
    ReasonForm,
    StepForm,
)
from .models import WinbackCase, WinbackStep
from .queries import CaseFilter, fragile_cases, list_cases, responses_of
from .rules import CaseState, Channel, fragile_until
from .services import (
    add_step,
    agree,
    move,
    move_step,
    open_case,
    remove_step,
    set_details,
    set_done,
    set_reason,
    use_answer,
)

bp = Blueprint("winback", __name__, url_prefix="/staff/winback", template_folder="templates")


@bp.context_processor
def labels() -> dict:
    """What every win-back page names: priorities, channels, states, and how long a return stays fragile."""
    return {"priority_labels": PRIORITY_LABELS, "channel_labels": CHANNEL_LABELS, "state_labels": STATE_LABELS,
            "fragile_until": fragile_until}

#: The lists: my cases (anyone), all cases and those with overdue steps (analysts and admins).
VIEWS = ("mine", "all", "overdue")
SHOWN = 500


def _list_filter(view: str) -> tuple[CaseFilter, dict[str, str]]:
    """The list's filters from the URL (``state``, ``priority``, ``reason``, ``owner``)."""
    state = request.args.get("state", "")
    if state and state not in {s.value for s in CaseState}:
        raise Invalid("bad_filter", field="state")
    priority = request.args.get("priority", "")
    if priority and priority not in ("1", "2", "3", "4"):
        raise Invalid("bad_filter", field="priority")
    reason = request.args.get("reason", "")
    if reason and reason not in BUCKETS:
        raise Invalid("bad_filter", field="reason")
    owner = int_arg("owner", 0, high=2**31 - 1) or None
    f = CaseFilter(owner_id=current_user.id if view == "mine" else owner,
                   state=CaseState(state) if state else None, priority=int(priority) if priority else None,
                   bucket=reason or None, overdue=view == "overdue")
    args = {k: v for k, v in {"state": state, "priority": priority, "reason": reason,
                              "owner": str(owner or "") if view != "mine" else ""}.items() if v}
    return f, args


@bp.get("/")
@role_required(*ANY_STAFF)
def index():
    """The cases to work on: one's own, or (analysts, admins) everyone's or those with overdue steps, with the
    returned customers still fragile."""
    view = request.args.get("view", "mine")
    if view not in VIEWS:
        view = "mine"
    if view != "mine" and not current_user.has_role(Role.ANALYST):
        abort(403)
    f, args = _list_filter(view)
    today = utcnow().date()
    owners = db.session.execute(select(StaffUser.id, StaffUser.name, StaffUser.email)
                                .order_by(StaffUser.email)).all() if view != "mine" else []
    return render_template("winback/index.html", cases=list_cases(f, today, SHOWN), view=view, views=VIEWS,
                           args=args, today=today, owners=owners, buckets=BUCKETS,
                           fragile=fragile_cases(today, owner_id=current_user.id if view == "mine" else None))


def _may_work_on(case: WinbackCase) -> bool:
    return case.owner_id == current_user.id or current_user.has_role(Role.ANALYST)


def _case(case_id: int) -> WinbackCase:
    case = db.session.get(WinbackCase, case_id)
    if case is None:
        abort(404)
    if not _may_work_on(case):
        abort(403)
    return case


def _owner_choices() -> list:
    staff = db.session.execute(select(StaffUser.id, StaffUser.name, StaffUser.email)
                               .where(StaffUser.active.is_(True)).order_by(StaffUser.email)).all()
    return choices([("", _("Nobody yet")), *((str(i), f"{name} <{email}>" if name else email)
                                             for i, name, email in staff)])


def _reason_choices() -> list:
    reasons = db.session.scalars(select(Reason.code).where(Reason.active.is_(True)).order_by(Reason.position,
                                                                                              Reason.code)).all()
    return choices([("", _("None: only their words")), *((code, reason_label(code)) for code in reasons)])


def _page(case: WinbackCase, status: int = 200, **forms):
    """The case page; ``forms`` replace the blank forms (a refused one keeps what was typed and its messages)."""
    today = utcnow().date()
    details = forms.get("details") or DetailsForm(data={"owner": str(case.owner_id or ""), "offer": case.offer})
    reason = forms.get("reason") or ReasonForm(data={"reason_code": case.reason_code or "",
                                                     "reason_text": case.reason_text})
    details.owner.choices = _owner_choices()
    reason.reason_code.choices = _reason_choices()
    return render_template(
        "winback/show.html", case=case, today=today, details_form=details, reason_form=reason,
        step_form=forms.get("step") or StepForm(data={"due": today}),
        agree_form=forms.get("agree") or AgreeForm(data={"agreed_on": today}),
        close_form=forms.get("close") or CloseCaseForm(), purchase_form=forms.get("purchase") or PurchaseForm(
            data={"purchase_day": today}), confirm=ConfirmForm(), history=purchase_history(case.customer_id, today),
        responses=responses_of(case.customer_id)), status


@bp.get("/<int:case_id>")
@role_required(*ANY_STAFF)
def show(case_id: int):
    """A case: the customer's purchases and answers, the real reason, the offer, the plan and what came of it."""
    return _page(_case(case_id))


def _act(case_id: int, form_name: str, form_class, action: Callable[[WinbackCase, object], str]):
    """Check the form, apply ``action`` (it returns what to flash), commit, and go back to the case; a refused form
    or domain error shows the page again with what was typed."""
    case = _case(case_id)
    form = form_class()
    if form_class is DetailsForm:
        form.owner.choices = _owner_choices()
    if form_class is ReasonForm:
        form.reason_code.choices = _reason_choices()
    if not form.validate_on_submit():
        if not form.errors or "csrf_token" in form.errors:
            abort(400)
        return _page(case, 400, **{form_name: form})
    try:
        message = action(case, form)
    except DomainError as error:
        db.session.rollback()
        if form_name == "confirm":
            raise
        form.refusal = str(error)  # shown above the form
        return _page(_case(case_id), status_of(error), **{form_name: form})
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".show", case_id=case_id))


@bp.post("/<int:case_id>/details")
@role_required(*ANY_STAFF)
def details(case_id: int):
    """Save the offer and the owner."""
    def save(case, form):
        set_details(case, offer=form.offer.data or "", owner_id=int(form.owner.data) if form.owner.data else None)
        return _("Case saved.")
    return _act(case_id, "details", DetailsForm, save)


@bp.post("/<int:case_id>/reason")
@role_required(*ANY_STAFF)
def reason(case_id: int):
    """Record the real reason as staff found it."""
    def save(case, form):
        set_reason(case, reason_code=form.reason_code.data or None, text=form.reason_text.data or "")
        return _("Reason saved.")
    return _act(case_id, "reason", ReasonForm, save)


@bp.post("/<int:case_id>/reason/answer")
@role_required(*ANY_STAFF)
def reason_from_answer(case_id: int):
    """Take the real reason from the customer's latest exit answer."""
    def save(case, _form):
        use_answer(case)
        return _("Reason taken from their answer.")
    return _act(case_id, "confirm", ConfirmForm, save)


@bp.post("/<int:case_id>/steps")
@role_required(*ANY_STAFF)
def new_step(case_id: int):
    """Add a step to the plan."""
    def save(case, form):
        add_step(case, Channel(form.channel.data), form.action.data or "", form.due.data)
        return _("Step added.")
    return _act(case_id, "step", StepForm, save)


def _step(case_id: int, step_id: int) -> WinbackStep:
    step = db.session.get(WinbackStep, step_id)
    if step is None or step.case_id != case_id:
        abort(404)
    return step


@bp.post("/<int:case_id>/steps/<int:step_id>/<any(done, undone, up, down, remove):what>")
@role_required(*ANY_STAFF)
def change_step(case_id: int, step_id: int, what: str):
    """Mark a step done or not done, move it up or down the plan, or take it out."""
    def save(case, _form):
        step = _step(case.id, step_id)
        if what in ("done", "undone"):
            set_done(step, what == "done", utcnow().date(), current_user.id)
            return _("Step marked done.") if what == "done" else _("Step marked not done.")
        if what == "remove":
            remove_step(step)
            return _("Step removed.")
        move_step(step, -1 if what == "up" else 1)
        return _("Plan reordered.")
    return _act(case_id, "confirm", ConfirmForm, save)


@bp.post("/<int:case_id>/agree")
@role_required(*ANY_STAFF)
def agreed(case_id: int):
    """Record that the customer agreed to return (not a return: that takes a purchase)."""
    def save(case, form):
        agree(case, form.agreed_on.data)
        return _("Recorded that they agreed to return. The case is won back when they buy again.")
    return _act(case_id, "agree", AgreeForm, save)


@bp.post("/<int:case_id>/close")
@role_required(*ANY_STAFF)
def close(case_id: int):
    """Close the case as not won back or let go, with why."""
    def save(case, form):
        move(case, CaseState(form.close_as.data), form.close_note.data or "")
        return _("Case closed.")
    return _act(case_id, "close", CloseCaseForm, save)


@bp.post("/<int:case_id>/<any(start, reopen):what>")
@role_required(*ANY_STAFF)
def change_state(case_id: int, what: str):
    """Start working on an open case, or open a closed one again."""
    def save(case, _form):
        move(case, CaseState.IN_PROGRESS if what == "start" else CaseState.OPEN)
        return _("Case in progress.") if what == "start" else _("Case reopened.")
    return _act(case_id, "confirm", ConfirmForm, save)


@bp.post("/<int:case_id>/purchase")
@role_required(*ANY_STAFF)
def purchase(case_id: int):
    """Record a purchase by hand; one after the lost date wins the customer back."""
    def save(case, form):
        record_purchase(case.customer_id, form.purchase_day.data, form.amount.data, form.order_ref.data)
        if form.purchase_day.data <= case.lost_at:
            return _("Purchase recorded. It is dated on or before the day they were lost, so it does not win them "
                     "back.")
        return _("Purchase recorded: the customer is won back.")
    return _act(case_id, "purchase", PurchaseForm, save)


@bp.post("/customers/<int:customer_id>/open")
@role_required(Role.ANALYST)
def open_for(customer_id: int):
    """Open a case for a customer by hand."""
    customer = db.get_or_404(Customer, customer_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    case = open_case(customer, utcnow().date(), current_user.id)
    db.session.commit()
    flash(_("Win-back case opened."), "success")
    return redirect(url_for(".show", case_id=case.id))
