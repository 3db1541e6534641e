"""Public answer pages (``/s/…``), interviews and the staff response list."""
from __future__ import annotations

import secrets
from functools import partial

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from ..auth.access import role_required
from ..auth.models import Role
from ..csvimport.forms import ImportForm
from ..csvimport.rows import ImportFileError
from ..customers.services import find_customer
from ..domain import AlreadyAnswered
from ..extensions import csrf, db, limiter
from ..formutil import ConfirmForm
from ..i18n import LANGUAGES, localized, use_respondent_locale
from ..invitations.models import Invitation
from ..routing import int_arg
from ..surveys.models import Survey, SurveyState
from ..surveys.services import list_surveys, require_survey
from ..uploads import takes_import_upload
from .answers import SUBMISSION_KEY, Submission, new_submission_key, read_answers, submission_key
from .definition import SurveyDefinition, VersionCache, definition_by_id, definition_by_slug, survey_definition
from .fieldviews import fields_html
from .forms import InterviewForm
from .importer import open_file
from .jobs import imports
from .messages import describe, describe_file_error
from .models import Channel
from .queries import ResponseFilter, filter_choices, get_response, search_responses
from .services import (
    check_accepting,
    check_answerable,
    invitation_for_token,
    record_opened,
    response_sent_with,
    save_response,
    survey_for_open_link,
)

bp = Blueprint("responses", __name__, template_folder="templates")


def _public_limit() -> str:
    return current_app.config["RATELIMIT_PUBLIC"]


def _answer_page(definition: SurveyDefinition, locale: str, submission: Submission | None = None,
                 status: int = 200, csrf: str | None = None, csrf_expired: bool = False, key: str | None = None):
    return render_template("responses/answer.html", locale=locale, csrf=csrf, csrf_expired=csrf_expired,
                           submission_key=key or new_submission_key(),
                           errors=len(submission.errors) if submission else 0,
                           fields=fields_html(definition, locale, submission),
                           title=localized(definition.title, locale, definition.default_locale),
                           intro=localized(definition.intro, locale, definition.default_locale)), status


def _read(definition: SurveyDefinition) -> Submission:
    return read_answers(definition, request.form.getlist, current_app.config["MAX_TEXT_LENGTH"])


def _csrf_expired() -> bool:
    """Tell whether the form's CSRF token is missing or wrong (when protection is on)."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return False
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return True
    return False


_blank_pages = VersionCache()
#: Stand for the CSRF token and the submission key in cached pages; random, so no survey text can contain them.
_CSRF_SLOT = secrets.token_hex(16)
_KEY_SLOT = secrets.token_hex(16)


def _blank_answer_page(definition: SurveyDefinition, locale: str):
    """The untouched form page: rendered once per survey version, language and URL; only the CSRF token and the
    submission key change."""
    if session.get("_flashes"):  # a message waiting to be shown makes the page one of a kind
        return _answer_page(definition, locale)
    key = (definition.key, locale, request.full_path, current_app.config["MAX_TEXT_LENGTH"])
    page = _blank_pages.get_or_build(key, lambda: _answer_page(definition, locale, csrf=_CSRF_SLOT,
                                                                key=_KEY_SLOT)[0])
    return page.replace(_CSRF_SLOT, generate_csrf()).replace(_KEY_SLOT, new_submission_key())


def _thanks(definition: SurveyDefinition, locale: str):
    return redirect(url_for(".thanks", slug=definition.slug, l=locale), code=303)


def _respond(definition: SurveyDefinition, locale: str, channel: Channel, invitation: Invitation | None = None):
    """Show the form (GET) or validate and store the answers (POST); the same form sent twice is stored once."""
    if request.method == "GET":
        return _blank_answer_page(definition, locale)
    submission = _read(definition)
    expired = _csrf_expired()
    key = submission_key(request.form.get(SUBMISSION_KEY))
    if expired or not submission.valid:
        return _answer_page(definition, locale, submission, 400, csrf_expired=expired, key=key)
    save_response(definition, submission.values, locale=locale, channel=channel, submission_key=key,
                  invitation=invitation)
    return _thanks(definition, locale)


@bp.route("/s/<token>", methods=["GET", "POST"])
@limiter.limit(_public_limit, methods=["POST"])
@csrf.exempt  # the form checks its own token, so an expired one re-shows the answers instead of an error
def answer(token: str):
    """Answer a survey through a one-time invitation link."""
    invitation = invitation_for_token(token)
    definition = definition_by_id(invitation.survey_id)
    customer = invitation.customer
    use_respondent_locale([invitation.locale, customer.locale if customer else None], definition.default_locale)
    try:
        check_answerable(invitation, definition)
    except AlreadyAnswered:
        sent_before = request.method == "POST" and response_sent_with(
            definition, submission_key(request.form.get(SUBMISSION_KEY)))
        if sent_before:  # this very form was sent before: the same thanks as then
            return _thanks(definition, str(get_locale()))
        raise
    if request.method == "GET" and invitation.opened_at is None:
        record_opened(invitation)  # best effort: never keeps the form from showing
    return _respond(definition, str(get_locale()), Channel.EMAIL, invitation)


@bp.route("/s/o/<slug>", methods=["GET", "POST"])
@limiter.limit(_public_limit, methods=["POST"])
@csrf.exempt
def open_link(slug: str):
    """Answer a survey through its public link."""
    definition = survey_for_open_link(slug)
    use_respondent_locale([], definition.default_locale)
    check_accepting(definition)
    return _respond(definition, str(get_locale()), Channel.LINK)


@bp.route("/s/<token>/optout", methods=["GET", "POST"])
@limiter.limit(_public_limit, methods=["POST"])
@csrf.exempt  # mail clients' one-click unsubscribe (RFC 8058) posts without a form token
def optout(token: str):
    """Let a customer stop receiving surveys: a confirmation page, or a one-click POST from the mail client."""
    invitation = invitation_for_token(token)
    customer = invitation.customer
    use_respondent_locale([invitation.locale, customer.locale], None)
    if request.method == "POST":
        customer.opted_out = True
        db.session.commit()
    return render_template("responses/optout.html", done=request.method == "POST" or customer.opted_out)


@bp.get("/s/thanks/<slug>")
def thanks(slug: str):
    """Thank the respondent in the language they answered in."""
    definition = definition_by_slug(slug)
    if definition is None or definition.state == SurveyState.DRAFT:
        abort(404)
    hint = request.args.get("l")
    use_respondent_locale([hint if hint in LANGUAGES else None], definition.default_locale)
    locale = str(get_locale())
    return render_template("responses/thanks.html",
                           title=localized(definition.title, locale, definition.default_locale),
                           thanks=localized(definition.thanks, locale, definition.default_locale))


@bp.get("/staff/interviews")
@role_required(Role.INTERVIEWER)
def interview_start():
    """Choose the survey for a phone interview."""
    surveys = [s for s, _n in list_surveys() if s.state == SurveyState.OPEN]
    return render_template("responses/interview_start.html", surveys=surveys)


@bp.route("/staff/surveys/<slug>/interview", methods=["GET", "POST"])
@role_required(Role.INTERVIEWER)
def interview(slug: str):
    """Record a phone exit interview on behalf of a customer."""
    survey = require_survey(slug)
    if survey.state != SurveyState.OPEN:
        abort(409)
    definition = survey_definition(survey)
    form = InterviewForm()
    key = submission_key(form.submission_key.data)
    form.submission_key.data = key or new_submission_key()
    if request.method == "GET":
        form.customer_ref.data = request.args.get("customer", "")
        customer = find_customer(form.customer_ref.data) if form.customer_ref.data else None
        form.interview_locale.data = customer.locale if customer else survey.default_locale
        return _interview_page(survey, definition, form)
    submission = _read(definition)
    customer = find_customer(form.customer_ref.data or "")
    valid = form.validate() and submission.valid
    if customer is None and form.customer_ref.data:
        form.customer_ref.errors.append(_("No customer has this reference."))
        valid = False
    if not valid:
        return _interview_page(survey, definition, form, 400, submission)
    name = customer.name or customer.external_ref
    response_id = save_response(definition, submission.values, locale=form.interview_locale.data,
                                channel=Channel.INTERVIEW, submission_key=key, customer_id=customer.id,
                                interviewer_id=current_user.id)
    flash(_("Interview with %(name)s recorded.", name=name), "success")
    return redirect(url_for(".show", response_id=response_id))


def _interview_page(survey: Survey, definition: SurveyDefinition, form: InterviewForm, status: int = 200,
                    submission: Submission | None = None):
    errors = len(form.errors) + (len(submission.errors) if submission else 0)
    return render_template("responses/interview.html", survey=survey, form=form, errors=errors,
                           fields=fields_html(definition, str(get_locale()), submission)), status


@bp.get("/staff/responses")
@role_required(Role.ANALYST)
def index():
    """List responses with filters."""
    filters = ResponseFilter.from_args(request.args)
    page = search_responses(filters, page=int_arg("page", 1))
    return render_template("responses/index.html", page=page, filters=filters, choices=filter_choices(),
                           args=filters.as_args())


@bp.get("/staff/responses/<int:response_id>")
@role_required(Role.ANALYST, Role.INTERVIEWER)
def show(response_id: int):
    """Show one response with all its answers."""
    response = get_response(response_id)
    if response is None:
        abort(404)
    if current_user.role == Role.INTERVIEWER and response.interviewer_id != current_user.id:
        abort(403)
    return render_template("responses/show.html", response=response)


@bp.route("/staff/surveys/<slug>/responses/import", methods=["GET", "POST"])
@takes_import_upload
@role_required(Role.ANALYST)
def import_(slug: str):
    """Upload past answers to a survey (open or closed): kept, checked, imported in the background."""
    survey = require_survey(slug)
    definition = survey_definition(survey)
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(survey, definition, form), 400 if form.errors else 200
    try:
        upload = imports.keep_upload(form.file.data, partial(open_file, definition=definition))
    except ImportFileError as error:
        form.file.errors.append(describe_file_error(error))
        return _import_page(survey, definition, form), 400
    job_id = imports.start(upload, {"survey_id": survey.id})
    return redirect(url_for(".import_status", slug=slug, job_id=job_id), code=303)


@bp.get("/staff/surveys/<slug>/responses/import/<int:job_id>")
@role_required(Role.ANALYST)
def import_status(slug: str, job_id: int):
    """Follow an import of past answers: progress while it runs, then what was imported, skipped and refused."""
    survey = require_survey(slug)
    return _import_page(survey, survey_definition(survey), ImportForm(formdata=None),
                        **imports.page(imports.job(job_id, survey_id=survey.id), describe, describe_file_error))


@bp.post("/staff/surveys/<slug>/responses/import/<int:job_id>/resume")
@role_required(Role.ANALYST)
def import_resume(slug: str, job_id: int):
    """Continue an interrupted or stopped import of past answers from its last committed batch."""
    imports.job(job_id, survey_id=require_survey(slug).id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not imports.resume(job_id):
        flash(_("This import is still running or has already finished."), "warning")
    return redirect(url_for(".import_status", slug=slug, job_id=job_id), code=303)


@bp.get("/staff/surveys/<slug>/responses/import/report/<int:job_id>.csv")
@role_required(Role.ANALYST)
def import_report(slug: str, job_id: int):
    """Download the refused rows of an import of past answers."""
    return imports.send_report(imports.job(job_id, survey_id=require_survey(slug).id), describe)


def _import_page(survey: Survey, definition: SurveyDefinition, form: ImportForm, **status) -> str:
    return render_template("responses/import.html", survey=survey, reasons=definition.reasons, form=form,
                           confirm=ConfirmForm(), **status)
