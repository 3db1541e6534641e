"""Staff sign-in and sign-out, and choosing a password through an emailed link."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError

from ..audit.services import record, record_now
from ..errors import csrf_page, never_send_again
from ..extensions import db, limiter, login_manager
from ..i18n import use_respondent_locale
from ..routing import is_site_path
from .forms import LoginForm, SetPasswordForm
from .links import account_for_token
from .models import StaffUser
from .services import (
    MIN_PASSWORD_LENGTH,
    AccountError,
    authenticate,
    change_password,
    sign_out_everywhere,
    user_for_session,
)

bp = Blueprint("auth", __name__, url_prefix="/staff", template_folder="templates")


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    """Flask-Login: the signed-in staff user, unless the session was ended since or the account deactivated."""
    return user_for_session(user_id)


def _safe_next(target: str | None) -> str:
    """Follow ``next`` only to a path on this site."""
    return target if is_site_path(target) else url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@never_send_again
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    """Show the sign-in form and sign staff in."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            record("auth.sign_in", target_type="staff_user", target_id=user.id)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        db.session.rollback()
        # Nobody is signed in: the event names the email typed, whoever it belongs to.
        record_now("auth.sign_in_failed", target_type="staff_user", detail={"email": (form.email.data or "")[:254]})
        flash(_("Wrong email or password."), "error")
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/password/<token>", methods=["GET", "POST"])
@never_send_again
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def set_password(token: str):
    """Let the owner of an emailed link choose their password, once; then send them to sign in with it."""
    user = account_for_token(token)
    # Before anyone signs in, the page speaks the account's language (unless the visitor chose another).
    use_respondent_locale([user.locale], None)
    form = SetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            change_password(user, form.password.data)
        except AccountError as error:
            form.password.errors.append(str(error))
            status = 400
        else:
            db.session.commit()
            logout_user()  # whoever was signed in in this browser: the next step is signing in with this account
            flash(_("Your password is set. Please sign in with it."), "success")
            return redirect(url_for(".login"))
    elif form.is_submitted():
        status = 400
    return render_template("auth/set_password.html", form=form, user=user, min_length=MIN_PASSWORD_LENGTH), status


@bp.errorhandler(CSRFError)
def form_token_failed(error: CSRFError):
    """A sign-in whose form token failed (expired, or sent from another site): the empty form again, email kept.

    Never a "send again" button: that would sign the browser in to an account another site chose.
    """
    if request.endpoint != "auth.login":
        return csrf_page()
    flash(_("Please sign in again: the sign-in form had expired or did not come from this site."), "warning")
    return render_template("auth/login.html", form=LoginForm()), 400


@bp.post("/logout")
def logout():
    """Sign out, in every browser: a copy of the session or remember cookie stops working too."""
    if current_user.is_authenticated:
        sign_out_everywhere(current_user._get_current_object())
        record("auth.sign_out", target_type="staff_user", target_id=current_user.id)
        db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
