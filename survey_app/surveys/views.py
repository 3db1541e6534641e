"""Staff pages for surveys: list, create, edit texts per language, settings, open and close."""
from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from ..audit.services import record
from ..auth.access import ANY_STAFF, role_required
from ..auth.models import Role
from ..domain import UnknownLanguage
from ..extensions import db
from ..formutil import ConfirmForm, choices
from ..i18n import LANGUAGES, language_of_page_only, localized
from ..labels import language_name
from .forms import (
    QUESTION_TYPE_LABELS,
    AddQuestionForm,
    EditQuestionForm,
    LinkTryForm,
    NewSurveyForm,
    SettingsForm,
    SignedLinksForm,
    texts_form,
)
from .models import InvalidTransition, Question, Survey
from .services import (
    QuestionAnswered,
    SurveyError,
    add_question,
    close_survey,
    create_from_template,
    default_consent,
    edit_question,
    list_surveys,
    move_question,
    open_survey,
    reasons_by_code,
    remove_question,
    require_question,
    require_survey,
    rotate_link_secret,
    set_signed_links,
    set_texts,
    signed_link,
    untranslated,
    update_settings,
)

bp = Blueprint("surveys", __name__, url_prefix="/staff/surveys", template_folder="templates")


@bp.get("/")
@role_required(*ANY_STAFF)
def index():
    """List the surveys with their state and number of responses."""
    return render_template("surveys/index.html", surveys=list_surveys())


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new():
    """Create a survey from the exit or loyalty template."""
    form = NewSurveyForm()
    if form.validate_on_submit():
        try:
            survey = create_from_template(form.template.data, form.slug.data, form.default_locale.data,
                                          open_link=form.open_link.data)
        except SurveyError as error:
            form.slug.errors.append(str(error))
        else:
            db.session.flush()
            record("survey.create", target_type="survey", target_id=survey.slug,
                   detail={"template": form.template.data})
            db.session.commit()
            flash(_("Survey created as a draft. Check the texts in each language, then open it."), "success")
            return redirect(url_for(".show", slug=survey.slug))
    return render_template("surveys/new.html", form=form), 400 if form.errors else 200


@bp.get("/<slug>")
@role_required(*ANY_STAFF)
def show(slug: str):
    """Show a survey: state, links, questions, what is untranslated."""
    survey = require_survey(slug)
    return _render_show(survey, AddQuestionForm(locale=survey.default_locale))


def _render_show(survey: Survey, add_form: AddQuestionForm | None = None, status: int = 200,
                 edit_form: tuple[int, EditQuestionForm] | None = None):
    reasons = reasons_by_code(list(survey.reason_codes))
    edit_forms = {q.id: _edit_form(survey, q) for q in survey.questions}
    if edit_form is not None:
        edit_forms[edit_form[0]] = edit_form[1]
    return render_template("surveys/show.html", survey=survey, missing=untranslated(survey),
                           reasons=[reasons[c] for c in survey.reason_codes if c in reasons],
                           type_labels=QUESTION_TYPE_LABELS, confirm=ConfirmForm(), edit_forms=edit_forms,
                           editing=edit_form[0] if edit_form else None,
                           add_form=add_form or AddQuestionForm(locale=survey.default_locale)), status


def _edit_form(survey: Survey, question: Question, submitted: bool = False) -> EditQuestionForm:
    """The small form editing ``question`` on the survey page (its fields named after the question)."""
    if submitted:
        return EditQuestionForm(prefix=question.field_name)
    return EditQuestionForm(prefix=question.field_name, formdata=None, required=question.required,
                            text=question.text.get(survey.default_locale, ""), type=question.type.value)


@bp.route("/<slug>/preview", methods=["GET", "POST"])
@language_of_page_only
@role_required(Role.ANALYST)
def preview(slug: str):
    """Show the respondent's form in any language (``?lang=``), whatever the survey's state; answers sent to it are
    only checked, never recorded."""
    from ..responses.preview import preview_page  # the respondent's pages are built on the surveys package

    survey = require_survey(slug)
    locale = request.args.get("lang") or survey.default_locale
    if locale not in LANGUAGES:
        raise UnknownLanguage()
    return preview_page(survey, locale, request.form.getlist if request.method == "POST" else None)


@bp.route("/<slug>/texts/<locale>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def texts(slug: str, locale: str):
    """Edit the survey's texts in one language, with the English text alongside."""
    survey = require_survey(slug)
    if locale not in LANGUAGES:
        abort(404)
    data = {"title": survey.title.get(locale, ""), "intro": survey.intro.get(locale, ""),
            "thanks": survey.thanks.get(locale, ""), "next_step": (survey.next_step or {}).get(locale, ""),
            "next_step_label": (survey.next_step_label or {}).get(locale, ""),
            "consent": (survey.consent_text or {}).get(locale, "")}
    data.update({q.field_name: q.text.get(locale, "") for q in survey.questions})
    form = texts_form(survey.questions, data=None if request.method == "POST" else data)
    if form.validate_on_submit():
        set_texts(survey, locale, form.title.data, form.intro.data, form.thanks.data,
                  {q.id: form[q.field_name].data for q in survey.questions}, next_step=form.next_step.data or "",
                  next_step_label=form.next_step_label.data or "", consent=form.consent.data or "")
        record("survey.texts", target_type="survey", target_id=survey.slug, detail={"locale": locale})
        db.session.commit()
        flash(_("Texts saved (%(language)s).", language=language_name(locale)), "success")
        return redirect(url_for(".texts", slug=slug, locale=locale))
    # The survey's own language is the reference; while it is the one edited, English (if it is another).
    reference = survey.default_locale if locale != survey.default_locale else "en" if locale != "en" else None
    with force_locale(locale):
        default_consent_text = default_consent()
    return render_template("surveys/texts.html", survey=survey, form=form, locale=locale, reference=reference,
                           localized=localized, default_consent=default_consent_text), 400 if form.errors else 200


@bp.route("/<slug>/settings", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def settings(slug: str):
    """Change the survey's address, languages, dates and reasons."""
    survey = require_survey(slug)
    form = SettingsForm(obj=survey) if request.method == "GET" else SettingsForm()
    catalogue = reasons_by_code()
    form.reason_codes.choices = choices((code, localized(r.label, str(get_locale()))) for code, r in catalogue.items())
    if form.validate_on_submit():
        try:
            update_settings(survey, slug=form.slug.data, default_locale=form.default_locale.data,
                            open_link=form.open_link.data, anonymous=form.anonymous.data,
                            opens_at=form.opens_at.data, closes_at=form.closes_at.data,
                            reason_codes=form.reason_codes.data, next_step_url=form.next_step_url.data,
                            retention_months=form.retention_months.data,
                            retention_free_text=form.retention_free_text.data)
        except SurveyError as error:
            (form.next_step_url.errors if error.code == "bad_link" else form.form_errors).append(str(error))
            db.session.rollback()
        else:
            record("survey.settings", target_type="survey", target_id=survey.slug, detail={"slug_before": slug})
            db.session.commit()
            flash(_("Settings saved."), "success")
            return redirect(url_for(".show", slug=survey.slug))
    status = 400 if (form.errors or form.form_errors or form.next_step_url.errors) and request.method == "POST" else 200
    return render_template("surveys/settings.html", survey=survey, form=form, catalogue=catalogue), status


@bp.route("/<slug>/signed-links", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def signed_links(slug: str):
    """Let the company's product link customers straight to the survey: on or off, the secret, what a bad
    signature leads to, how to sign, and a link maker to try it."""
    survey = require_survey(slug)
    form = SignedLinksForm(formdata=None, enabled=survey.signed_links, fallback=survey.link_fallback.value)
    if request.method == "POST":
        form = SignedLinksForm()
        if form.validate_on_submit():
            set_signed_links(survey, enabled=form.enabled.data, fallback=form.fallback.data)
            db.session.commit()
            flash(_("Signed links are on.") if survey.signed_links else _("Signed links are off."), "success")
            return redirect(url_for(".signed_links", slug=slug))
    return _signed_links_page(survey, form=form, status=400 if form.errors else 200)


def _signed_links_page(survey: Survey, form: SignedLinksForm | None = None, try_form: LinkTryForm | None = None,
                       made: str | None = None, status: int = 200):
    form = form or SignedLinksForm(formdata=None, enabled=survey.signed_links, fallback=survey.link_fallback.value)
    try_form = try_form or LinkTryForm(formdata=None, lang=survey.default_locale)
    return render_template("surveys/signed_links.html", survey=survey, form=form, try_form=try_form, made=made,
                           confirm=ConfirmForm(), base_url=current_app.config["BASE_URL"].rstrip("/")), status


@bp.post("/<slug>/signed-links/secret")
@role_required(Role.ADMIN)
def signed_links_secret(slug: str):
    """Give the survey a new signing secret: links signed with the old one stop working."""
    survey = require_survey(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    rotate_link_secret(survey)
    db.session.commit()
    flash(_("New secret made. Links signed with the old secret no longer work: give the new one to your product."),
          "success")
    return redirect(url_for(".signed_links", slug=slug))


@bp.post("/<slug>/signed-links/try")
@role_required(Role.ADMIN)
def signed_links_try(slug: str):
    """Make a signed link for one customer, to try the survey as they would see it."""
    survey = require_survey(slug)
    try_form = LinkTryForm()
    made = None
    if try_form.validate_on_submit():
        try:
            made = signed_link(survey, try_form.ref.data, try_form.lang.data, try_form.valid.data, time.time(),
                               current_app.config["BASE_URL"])
        except SurveyError as error:
            field = {"bad_validity": try_form.valid, "bad_link_ref": try_form.ref}.get(error.code)
            if field is not None:
                field.errors = [*field.errors, str(error)]
            else:
                flash(str(error), "error")
    return _signed_links_page(survey, try_form=try_form, made=made, status=200 if made else 400)


@bp.post("/<slug>/questions")
@role_required(Role.ADMIN)
def question_add(slug: str):
    """Add a question."""
    survey = require_survey(slug)
    form = AddQuestionForm()
    if form.validate_on_submit():
        add_question(survey, form.type.data, form.required.data, {form.locale.data: form.text.data.strip()})
        record("survey.question_add", target_type="survey", target_id=slug, detail={"type": form.type.data})
        db.session.commit()
        flash(_("Question added. Remember to translate it into every language."), "success")
        return redirect(url_for(".show", slug=slug))
    return _render_show(survey, form, 400)


@bp.post("/<slug>/questions/<int:question_id>/delete")
@role_required(Role.ADMIN)
def question_delete(slug: str, question_id: int):
    """Remove a question that has no answers."""
    survey = require_survey(slug)
    question = require_question(survey, question_id)
    try:
        remove_question(survey, question)
    except SurveyError as error:
        flash(str(error), "error")
        return _render_show(survey, status=409)
    record("survey.question_remove", target_type="survey", target_id=slug, detail={"question_id": question_id})
    db.session.commit()
    flash(_("Question removed."), "success")
    return redirect(url_for(".show", slug=slug))


@bp.post("/<slug>/questions/<int:question_id>/move")
@role_required(Role.ADMIN)
def question_move(slug: str, question_id: int):
    """Move a question one place up or down (``direction``); allowed while answers exist."""
    survey = require_survey(slug)
    question = require_question(survey, question_id)
    offset = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if offset is None or not ConfirmForm().validate_on_submit():
        abort(400)
    if move_question(survey, question, offset):
        record("survey.question_move", target_type="survey", target_id=slug,
               detail={"question_id": question_id, "direction": request.form["direction"]})
        db.session.commit()
        flash(_("Question moved."), "success")
    return redirect(url_for(".show", slug=slug, _anchor=f"question-{question.id}"))


@bp.post("/<slug>/questions/<int:question_id>/edit")
@role_required(Role.ADMIN)
def question_edit(slug: str, question_id: int):
    """Change a question's text in the survey's own language, whether it is required, and (before any answer) its
    type."""
    survey = require_survey(slug)
    question = require_question(survey, question_id)
    form = _edit_form(survey, question, submitted=True)
    if not form.validate_on_submit():
        return _render_show(survey, status=400, edit_form=(question.id, form))
    try:
        edit_question(survey, question, text=form.text.data, required=form.required.data, qtype=form.type.data)
    except QuestionAnswered as error:
        db.session.rollback()
        form.type.errors = [str(error)]
        return _render_show(require_survey(slug), status=409,
                            edit_form=(question_id, form))
    except SurveyError as error:
        db.session.rollback()
        form.text.errors = [str(error)]
        return _render_show(require_survey(slug), status=400, edit_form=(question_id, form))
    record("survey.question_edit", target_type="survey", target_id=slug, detail={"question_id": question_id})
    db.session.commit()
    flash(_("Question saved. Check its translations: they were not changed."), "success")
    return redirect(url_for(".show", slug=slug, _anchor=f"question-{question.id}"))


@bp.post("/<slug>/open")
@role_required(Role.ADMIN)
def open_(slug: str):
    """Open the survey for answers."""
    return _transition(slug, open_survey, _("The survey is open and takes answers."), "survey.open")


@bp.post("/<slug>/close")
@role_required(Role.ADMIN)
def close(slug: str):
    """Close the survey."""
    return _transition(slug, close_survey, _("The survey is closed; its links no longer take answers."),
                       "survey.close")


def _transition(slug: str, action, done_message: str, event: str):
    survey = require_survey(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action(survey)
    except InvalidTransition as error:
        flash(str(error), "error")
        return _render_show(survey, status=409)
    record(event, target_type="survey", target_id=slug)
    db.session.commit()
    flash(done_message, "success")
    return redirect(url_for(".show", slug=slug))
