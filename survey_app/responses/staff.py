"""Staff pages of responses (``/staff/…``): phone interviews, the response list and imports of past answers."""
from __future__ import annotations

from dataclasses import replace
from functools import partial

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..audit.services import record_now
from ..auth.access import role_required
from ..auth.models import Role
from ..bounds import MAX_ID
from ..csvimport.forms import ImportForm
from ..csvimport.rows import ImportFileError
from ..customers.forms import STATUS_LABELS
from ..customers.models import Customer
from ..customers.services import find_customer, search_customers
from ..dbtypes import utcnow
from ..domain import Invalid, UnknownLanguage
from ..extensions import db
from ..followups.forms import OUTCOME_LABELS, CloseForm
from ..followups.services import followups_of
from ..formutil import ConfirmForm
from ..i18n import LANGUAGES
from ..routing import int_arg
from ..surveys.models import Survey, SurveyKind, SurveyState
from ..surveys.rules import asks_customers
from ..surveys.services import list_surveys, require_customer_survey, require_survey
from ..text import one_line
from ..uploads import takes_import_upload
from .answers import Submission, new_submission_key, read_answers, submission_key
from .definition import SurveyDefinition, survey_definition
from .fieldviews import fields_html
from .forms import InterviewForm
from .importer import open_file
from .interviews import CALLS_PER_PAGE, call_list, earlier_interviews, interviewed_among, interviews_by
from .jobs import imports
from .messages import describe, describe_file_error
from .models import Channel
from .queries import ResponseFilter, filter_choices, get_response, search_responses
from .services import response_sent_with, submit_response

#: Pages for signed-in staff; every route is under ``/staff/``.
bp = Blueprint("responses", __name__, url_prefix="/staff", template_folder="templates")


def _read(definition: SurveyDefinition) -> Submission:
    return read_answers(definition, request.form.getlist, current_app.config["MAX_TEXT_LENGTH"])


@bp.get("/interviews")
@role_required(Role.INTERVIEWER)
def interview_start():
    """Choose the survey and the customer of a phone interview: from the call list, or by a search."""
    surveys = [s for s, _n in list_surveys() if s.state == SurveyState.OPEN and asks_customers(s.kind)]
    survey = _chosen_survey(surveys)
    text = one_line(request.args.get("q", ""))[:100].strip()
    page = int_arg("page", 1)
    customers, interviewed = None, set()
    if survey is not None:
        customers = (search_customers(text, page, CALLS_PER_PAGE) if text
                     else call_list(survey, current_user.id, page))
        interviewed = interviewed_among(survey.id, [c.id for c in customers.items])
    return render_template("responses/interview_start.html", surveys=surveys, survey=survey, q=text,
                           customers=customers, interviewed=interviewed, status_labels=STATUS_LABELS,
                           args={k: v for k, v in {"survey": survey.slug if survey else "", "q": text}.items() if v})


def _chosen_survey(surveys: list[Survey]) -> Survey | None:
    """The survey named by ``?survey=``, else the first open exit survey, else the first one open.

    :raise Invalid: if ``?survey=`` names no open survey that asks customers.
    """
    slug = request.args.get("survey", "")
    if slug:
        chosen = next((s for s in surveys if s.slug == slug), None)
        if chosen is None:
            raise Invalid("bad_query_value", name="survey")
        return chosen
    return next((s for s in surveys if s.kind == SurveyKind.EXIT), surveys[0] if surveys else None)


@bp.get("/interviews/mine")
@role_required(Role.INTERVIEWER)
def my_interviews():
    """The interviews I recorded, newest first."""
    page = interviews_by(current_user.id, int_arg("page", 1))
    return render_template("responses/my_interviews.html", page=page)


@bp.route("/surveys/<slug>/interview", methods=["GET", "POST"])
@role_required(Role.INTERVIEWER)
def interview(slug: str):
    """Record a phone exit interview on behalf of a customer."""
    survey = require_survey(slug)
    require_customer_survey(survey)
    if survey.state != SurveyState.OPEN:
        abort(409)
    definition = survey_definition(survey)
    form = InterviewForm()
    key = submission_key(form.submission_key.data)
    form.submission_key.data = key or new_submission_key()
    if request.method == "GET":
        customer = _customer_from_args()
        form.customer_ref.data = customer.external_ref if customer else request.args.get("customer", "")[:64]
        form.interview_locale.data = (_language_arg() or (customer.locale if customer else None)
                                      or survey.default_locale)
        return _interview_page(survey, definition, form, customer)
    submission = _read(definition)
    customer = find_customer(form.customer_ref.data or "")
    if request.form.get("show_questions"):  # the language was changed: the same form, its questions in that one
        if form.interview_locale.data not in LANGUAGES:
            raise UnknownLanguage()
        return _interview_page(survey, definition, form, customer, submission=replace(submission, errors={}))
    valid = form.validate() and submission.valid
    if customer is None and form.customer_ref.data:
        form.customer_ref.errors.append(_("No customer has this reference."))
        valid = False
    if not valid or customer is None:
        return _interview_page(survey, definition, form, customer, 400, submission)
    if (not form.confirm_repeat.data and earlier_interviews(survey.id, customer.id)
            and response_sent_with(definition, key) is None):
        return _interview_page(survey, definition, form, customer, 409, submission, confirm=True)
    name = customer.name or customer.external_ref
    result = submit_response(definition, submission, locale=form.interview_locale.data, channel=Channel.INTERVIEW,
                             submission_key=key, customer_id=customer.id, interviewer_id=current_user.id)
    flash(_("Interview with %(name)s recorded.", name=name), "success")
    return redirect(url_for(".show", response_id=result.response_id))


def _customer_from_args() -> Customer | None:
    """The customer given by ``?customer_id=`` (a 404 if there is none) or by the exact ``?customer=`` reference."""
    customer_id = int_arg("customer_id", 0, high=MAX_ID)
    if customer_id:
        return db.get_or_404(Customer, customer_id)
    ref = request.args.get("customer", "")
    return find_customer(ref) if ref else None


def _language_arg() -> str | None:
    """The interview language asked for by ``?interview_locale=``.

    :raise UnknownLanguage: if it is not one of the application's languages.
    """
    lang = request.args.get("interview_locale", "")
    if lang and lang not in LANGUAGES:
        raise UnknownLanguage()
    return lang or None


def _interview_page(survey: Survey, definition: SurveyDefinition, form: InterviewForm, customer: Customer | None,
                    status: int = 200, submission: Submission | None = None, confirm: bool = False):
    errors = len(form.errors) + (len(submission.errors) if submission else 0)
    lang = form.interview_locale.data if form.interview_locale.data in LANGUAGES else survey.default_locale
    with force_locale(lang):  # the questions, their choices and their messages as the customer hears them
        fields = fields_html(definition, lang, submission)
    earlier = earlier_interviews(survey.id, customer.id) if customer else []
    return render_template("responses/interview.html", survey=survey, form=form, errors=errors, fields=fields,
                           lang=lang, customer=customer, earlier=earlier, confirm=confirm,
                           status_labels=STATUS_LABELS), status


@bp.get("/responses")
@role_required(Role.ANALYST)
def index():
    """List responses with filters."""
    filters = ResponseFilter.from_args(request.args)
    page = search_responses(filters, page=int_arg("page", 1))
    return render_template("responses/index.html", page=page, filters=filters, choices=filter_choices(),
                           args=filters.as_args())


@bp.get("/responses/<int:response_id>")
@role_required(Role.ANALYST, Role.INTERVIEWER)
def show(response_id: int):
    """Show one response with all its answers."""
    response = get_response(response_id)
    if response is None:
        abort(404)
    if current_user.role == Role.INTERVIEWER and response.interviewer_id != current_user.id:
        abort(403)
    record_now("response.view", target_type="response", target_id=response_id)
    return render_template("responses/show.html", response=response, tasks=followups_of(response.id),
                           close_form=CloseForm(), open_form=ConfirmForm(), outcome_labels=OUTCOME_LABELS,
                           today=utcnow().date())


@bp.route("/surveys/<slug>/responses/import", methods=["GET", "POST"])
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


@bp.get("/surveys/<slug>/responses/import/<int:job_id>")
@role_required(Role.ANALYST)
def import_status(slug: str, job_id: int):
    """Follow an import of past answers: progress while it runs, then what was imported, skipped and refused."""
    survey = require_survey(slug)
    return _import_page(survey, survey_definition(survey), ImportForm(formdata=None),
                        **imports.page(imports.job(job_id, survey_id=survey.id), describe, describe_file_error))


@bp.post("/surveys/<slug>/responses/import/<int:job_id>/resume")
@role_required(Role.ANALYST)
def import_resume(slug: str, job_id: int):
    """Continue an interrupted or stopped import of past answers from its last committed batch."""
    imports.job(job_id, survey_id=require_survey(slug).id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not imports.resume(job_id):
        flash(_("This import is still running or has already finished."), "warning")
    return redirect(url_for(".import_status", slug=slug, job_id=job_id), code=303)


@bp.get("/surveys/<slug>/responses/import/report/<int:job_id>.csv")
@role_required(Role.ANALYST)
def import_report(slug: str, job_id: int):
    """Download the refused rows of an import of past answers."""
    return imports.send_report(imports.job(job_id, survey_id=require_survey(slug).id), describe)


def _import_page(survey: Survey, definition: SurveyDefinition, form: ImportForm, **status) -> str:
    return render_template("responses/import.html", survey=survey, reasons=definition.reasons, form=form,
                           confirm=ConfirmForm(), **status)
