"""The staff page where administrators create and revoke API keys."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import role_required
from ..auth.forms import ROLE_LABELS
from ..auth.models import Role
from ..dbtypes import utcnow
from ..extensions import db
from ..formutil import ConfirmForm
from .forms import KeyForm
from .messages import describe
from .services import ApiKeyError, create_key, find_key, list_keys, revoke_key

bp = Blueprint("api_keys", __name__, url_prefix="/staff/api-keys", template_folder="templates")


def _page(form: KeyForm, status: int = 200, new_key: str | None = None):
    return render_template("api/keys.html", keys=list_keys(), form=form, revoke_form=ConfirmForm(),
                           role_labels=ROLE_LABELS, now=utcnow(), new_key=new_key), status


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    """Every API key with its role, expiry and last use, and the form to create one."""
    return _page(KeyForm())


@bp.post("/")
@role_required(Role.ADMIN)
def create():
    """Create a key and show it, once."""
    form = KeyForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        _api_key, key = create_key(form.name.data, form.role.data, form.expires.data, created_by_id=current_user.id)
    except ApiKeyError as error:
        db.session.rollback()
        field = form.expires if error.code == "expiry_past" else form.name
        field.errors = [*field.errors, describe(error)]
        return _page(form, 400)
    db.session.commit()
    flash(_("The key was created. Copy it now: it is not shown again."), "success")
    return _page(KeyForm(formdata=None), new_key=key)


@bp.post("/<int:key_id>/revoke")
@role_required(Role.ADMIN)
def revoke(key_id: int):
    """Revoke a key: programs using it are refused from now on."""
    form = ConfirmForm()
    api_key = find_key(key_id)
    if not form.validate_on_submit():
        return _page(KeyForm(formdata=None), 400)
    if revoke_key(api_key):
        db.session.commit()
        flash(_("The key “%(name)s” was revoked.", name=api_key.name), "success")
    else:
        flash(_("This key was revoked already."), "warning")
    return redirect(url_for(".index"))
