"""Staff pages where administrators invite staff, give them roles and languages, reset and deactivate accounts."""
from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..audit.services import record
from ..domain import DomainError
from ..errors import status_of
from ..extensions import db
from ..formutil import ConfirmForm
from ..invitations.mail import PermanentFailure, TemporaryFailure
from .access import role_required
from .forms import ROLE_LABELS, AccountForm, InviteForm
from .mail import send_password_link
from .models import Role, StaffUser
from .services import (
    AccountError,
    AccountRefused,
    activate,
    deactivate,
    invite_user,
    reset_password,
    staff_list,
    update_account,
)

logger = logging.getLogger(__name__)

bp = Blueprint("users", __name__, url_prefix="/staff/users", template_folder="templates")


def _me() -> StaffUser:
    return current_user._get_current_object()


def _email_link(user: StaffUser, invited: bool) -> None:
    """Email ``user`` their password link, and say on the next page whether it went."""
    try:
        send_password_link(user, invited)
    except (TemporaryFailure, PermanentFailure, OSError) as error:
        logger.warning("Password link to staff account %s not sent: %s", user.email, error)
        flash(_("The email to %(email)s could not be sent. Please try again later with “Send a new password "
                "link”.", email=user.email), "error")
    else:
        flash(_("An email with a link to choose a password was sent to %(email)s.", email=user.email), "success")


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    """Every staff account, with its role, language, state and last sign-in."""
    return render_template("auth/users.html", users=staff_list(), role_labels=ROLE_LABELS)


@bp.route("/invite", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def invite():
    """Create an account without a password and email its owner a link to choose one."""
    form = InviteForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = invite_user(form.email.data, form.role.data, name=form.name.data or "", locale=form.locale.data)
        except AccountError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
            status = 409 if error.code == "account_exists" else status_of(error)
        else:
            record("staff.invite", target_type="staff_user", target_id=user.id,
                   detail={"email": user.email, "role": user.role.value})
            db.session.commit()
            _email_link(user, invited=True)
            return redirect(url_for(".index"))
    elif form.is_submitted():
        status = 400
    return render_template("auth/invite.html", form=form), status


def _account_page(user: StaffUser, form: AccountForm | None = None, status: int = 200):
    form = form or AccountForm(data={"role": user.role.value, "locale": user.locale or ""})
    return render_template("auth/user.html", user=user, form=form, confirm=ConfirmForm(),
                           role_labels=ROLE_LABELS), status


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(user_id: int):
    """A staff account: change its role and language; links to reset and (de)activate it."""
    user = db.get_or_404(StaffUser, user_id)
    if request.method == "GET":
        return _account_page(user)
    form = AccountForm()
    if not form.validate_on_submit():
        return _account_page(user, form, 400)
    try:
        update_account(user, form.role.data, form.locale.data or None, by=_me())
    except (AccountError, AccountRefused) as error:
        db.session.rollback()
        form.role.errors.append(str(error))
        return _account_page(user, form, status_of(error))
    record("staff.edit", target_type="staff_user", target_id=user.id,
           detail={"email": user.email, "role": user.role.value, "locale": user.locale})
    db.session.commit()
    flash(_("The account of %(name)s was saved.", name=user.name), "success")
    return redirect(url_for(".index"))


def _confirmed_action(user_id: int, action, event: str) -> tuple[StaffUser, DomainError | None]:
    """Run ``action(user)`` for a confirmed button and audit it as ``event``; return the account and the refusal,
    if any."""
    user = db.get_or_404(StaffUser, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action(user)
    except AccountRefused as error:
        db.session.rollback()
        flash(str(error), "error")
        return user, error
    record(event, target_type="staff_user", target_id=user.id, detail={"email": user.email})
    db.session.commit()
    return user, None


@bp.post("/<int:user_id>/reset")
@role_required(Role.ADMIN)
def reset(user_id: int):
    """Take the account's password away at once (ending its sessions) and email it a link to choose a new one."""
    user, refused = _confirmed_action(user_id, lambda user: reset_password(user, by=_me()), "staff.reset")
    if refused:
        return _account_page(user, status=status_of(refused))
    _email_link(user, invited=not user.last_login_at)
    return redirect(url_for(".edit", user_id=user.id))


@bp.post("/<int:user_id>/deactivate")
@role_required(Role.ADMIN)
def deactivate_account(user_id: int):
    """Stop the account from signing in, ending its sessions and links."""
    user, refused = _confirmed_action(user_id, lambda user: deactivate(user, by=_me()), "staff.deactivate")
    if refused:
        return _account_page(user, status=status_of(refused))
    flash(_("%(name)s can no longer sign in.", name=user.name), "success")
    return redirect(url_for(".edit", user_id=user.id))


@bp.post("/<int:user_id>/activate")
@role_required(Role.ADMIN)
def activate_account(user_id: int):
    """Let a deactivated account sign in again."""
    user, _refused = _confirmed_action(user_id, activate, "staff.activate")
    flash(_("%(name)s can sign in again.", name=user.name), "success")
    return redirect(url_for(".edit", user_id=user.id))
