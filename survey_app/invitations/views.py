"""Staff pages for invitations: choose recipients, send, remind, follow the progress."""
from __future__ import annotations

from email.header import decode_header, make_header

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit.services import record, record_now
from ..auth.access import role_required
from ..auth.models import Role
from ..customers.models import Customer
from ..customers.services import find_customer
from ..extensions import db
from ..formutil import ConfirmForm
from ..i18n import LANGUAGES
from ..surveys.services import require_survey
from . import jobs
from .forms import InvitationForm, RecipientsForm, RemindForm, default_status
from .mail import render_invitation
from .models import Invitation
from .recipients import count_recipients, create_invitations
from .sending import count_due, invitation_stats
from .services import InvitationError, create_invitation, invitation_url

bp = Blueprint("invitations", __name__, url_prefix="/staff/surveys/<slug>/invitations",
               template_folder="templates")


def _page(survey, form, new_link: str | None = None, status: int = 200, recipients_form=None, preview=None,
          remind_form=None):
    invitations = db.session.scalars(
        select(Invitation).where(Invitation.survey_id == survey.id).options(selectinload(Invitation.customer))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc()).limit(500)
    ).all()
    kind = str(getattr(survey.kind, "value", survey.kind))
    return render_template("invitations/index.html", survey=survey, form=form, invitations=invitations,
                           new_link=new_link, recipients_form=recipients_form or RecipientsForm(
                               formdata=None, data={"status": default_status(kind)}),
                           preview=preview, remind_form=remind_form or RemindForm(formdata=None),
                           confirm=ConfirmForm(), stats=invitation_stats(survey), due=count_due(survey),
                           running=jobs.is_running(survey)), status


@bp.post("/recipients")
@role_required(Role.ADMIN)
def recipients(slug: str):
    """Count the customers a filter selects (preview), or create their invitations."""
    survey = require_survey(slug)
    form = RecipientsForm()
    if not form.validate_on_submit():
        return _page(survey, InvitationForm(formdata=None), status=400, recipients_form=form)
    preview = count_recipients(survey, form.recipients())
    try:
        confirmed = form.confirmed()
    except ValueError:
        abort(400)
    if request.form.get("action") != "create" or confirmed is None:  # counted, not yet confirmed: ask
        return _page(survey, InvitationForm(formdata=None), recipients_form=form, preview=preview)
    if confirmed != preview["to_invite"]:  # customers changed since the count was shown: ask again
        flash(_("The number of customers has changed since you confirmed; nothing was created. Please check the "
                "new count and confirm again."), "warning")
        return _page(survey, InvitationForm(formdata=None), status=409, recipients_form=form, preview=preview)
    counts = create_invitations(survey, form.recipients(), current_app.config["INVITATION_TTL_DAYS"])
    record("invitations.create", target_type="survey", target_id=slug, detail={"created": counts["created"]})
    db.session.commit()
    flash(ngettext("%(num)d invitation created.", "%(num)d invitations created.", counts["created"]), "success")
    return redirect(url_for(".index", slug=slug))


@bp.post("/send")
@role_required(Role.ADMIN)
def send(slug: str):
    """Start sending the due invitations in the background; the page shows the progress."""
    survey = require_survey(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _start("send", survey, {})
    return redirect(url_for(".index", slug=slug), code=303)


@bp.post("/remind")
@role_required(Role.ADMIN)
def remind(slug: str):
    """Start sending reminders in the background."""
    survey = require_survey(slug)
    form = RemindForm()
    if not form.validate_on_submit():
        return _page(survey, InvitationForm(formdata=None), status=400, remind_form=form)
    _start("remind", survey, {"after_days": form.after_days.data, "max_reminders": form.max_reminders.data})
    return redirect(url_for(".index", slug=slug), code=303)


def _start(kind: str, survey, options: dict) -> None:
    if jobs.start(kind, survey, options, user_id=current_user.id, locale=str(get_locale())):
        record_now(f"invitations.{kind}", target_type="survey", target_id=survey.slug, detail=options)
        flash(_("Sending has started; this page shows its progress."), "success")
    else:
        flash(_("Sending is already under way for this survey."), "warning")


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def index(slug: str):
    """List a survey's invitations; create one for a customer and show its link once."""
    survey = require_survey(slug)
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
        except InvitationError as error:
            form.customer_ref.errors.append(str(error))
        else:
            db.session.commit()
            return _page(survey, InvitationForm(formdata=None), invitation_url(token), 201)
    return _page(survey, form, status=409)


def _sample_email(slug: str, locale: str):
    """The invitation (or reminder, ``?reminder=1``) a customer would receive in ``locale``, to a sample customer
    named in that language; and its parts by subtype."""
    survey = require_survey(slug)
    if locale not in LANGUAGES:
        abort(404)
    with force_locale(locale):
        sample = Customer(name=_("Sample Customer"), email="customer@example.com", locale=locale)
    reminder = request.args.get("reminder") == "1"
    message = render_invitation(survey, sample, locale, "SAMPLE-LINK-TOKEN", reminder=reminder)
    parts = {part.get_content_subtype(): part.get_payload(decode=True).decode("utf-8")
             for part in message.get_payload()}
    return survey, message, parts, reminder


@bp.get("/preview/<locale>")
@role_required(Role.ADMIN)
def preview_email(slug: str, locale: str):
    """Show the invitation email (or reminder) as a customer would receive it in ``locale``: the HTML version
    drawn, the text version and the HTML source."""
    survey, message, parts, reminder = _sample_email(slug, locale)
    return render_template("invitations/preview.html", survey=survey, locale=locale, message=message,
                           subject=str(make_header(decode_header(message["Subject"]))), text=parts["plain"],
                           html=parts["html"], reminder=reminder)


@bp.get("/preview/<locale>/email.html")
@role_required(Role.ADMIN)
def preview_html(slug: str, locale: str):
    """The HTML version alone, drawn in the preview page's sandboxed frame: no script, nothing loaded from
    elsewhere, the email's own inline styles allowed."""
    _survey, _message, parts, _reminder = _sample_email(slug, locale)
    response = current_app.response_class(parts["html"], mimetype="text/html")
    response.headers["Content-Security-Policy"] = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                                                   "base-uri 'none'; form-action 'none'; frame-ancestors 'self'")
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
