"""Staff pages for invitations: list them and create one by hand."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.access import role_required
from ..auth.models import Role
from ..extensions import db
from ..responses.services import find_customer
from ..surveys.services import survey_or_404
from .forms import InvitationForm
from .models import Invitation
from .services import InvitationError, create_invitation, invitation_url

bp = Blueprint("invitations", __name__, url_prefix="/staff/surveys/<slug>/invitations",
               template_folder="templates")


def _page(survey, form, new_link: str | None = None, status: int = 200):
    invitations = db.session.scalars(
        select(Invitation).where(Invitation.survey_id == survey.id).options(selectinload(Invitation.customer))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc()).limit(500)
    ).all()
    return render_template("invitations/index.html", survey=survey, form=form, invitations=invitations,
                           new_link=new_link), status


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def index(slug: str):
    """List a survey's invitations; create one for a customer and show its link once."""
    survey = survey_or_404(slug)
    form = InvitationForm()
    if not form.is_submitted():
        return _page(survey, form)
    if not form.validate():  # missing or malformed input: a plain 400
        return _page(survey, form, status=400)
    customer = find_customer(form.customer_ref.data)
    if customer is None:
        form.customer_ref.errors.append(_("No customer has this reference."))
    else:
        try:
            _invitation, token = create_invitation(survey, customer)
        except InvitationError:
            form.customer_ref.errors.append(_("This customer is already invited to this survey."))
        else:
            db.session.commit()
            return _page(survey, InvitationForm(formdata=None), invitation_url(token), 201)
    return _page(survey, form, status=409)
