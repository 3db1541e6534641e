"""Staff sign-in and sign-out."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import db, limiter, login_manager
from ..routing import is_site_path
from .forms import LoginForm
from .models import StaffUser
from .services import authenticate

bp = Blueprint("auth", __name__, url_prefix="/staff", template_folder="templates")


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    """Flask-Login: the signed-in staff user."""
    return db.session.get(StaffUser, int(user_id)) if user_id.isdigit() else None


def _safe_next(target: str | None) -> str:
    """Follow ``next`` only to a path on this site."""
    return target if is_site_path(target) else url_for("surveys.index")


@bp.route("/login", methods=["GET", "POST"])
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
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong email or password."), "error")
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    """Sign out."""
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
