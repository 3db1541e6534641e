"""What the answer-field template shows for each question, in the current language."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from ..i18n import localized
from ..surveys.models import QuestionType
from ..surveys.services import default_consent
from .answers import INVALID_CHOICE, OTHER, OTHER_UNSAID, REQUIRED, TOO_LONG, Submission, choices, other_field
from .cache import respondent_cache
from .definition import SurveyDefinition

_KIND = {QuestionType.MAIN_REASON: ("radio", "reasons"), QuestionType.OTHER_REASONS: ("checkbox", "reasons"),
         QuestionType.SCALE_0_10: ("radio", "scale"), QuestionType.YES_NO: ("radio", "yesno"),
         QuestionType.CONTACT_CONSENT: ("radio", "yesno"),
         QuestionType.FREE_TEXT: ("text", "")}


@dataclass(frozen=True)
class FieldView:
    """One question as the template draws it."""

    name: str
    label: str
    required: bool
    kind: str
    css: str
    choices: list[tuple[str, str]]
    selected: frozenset[str]
    text: str
    error: str
    #: Staff previews only: says the label is shown in another language than the page's.
    note: str = ""
    #: Staff previews only: the same, per choice value.
    choice_notes: Mapping[str, str] = field(default_factory=dict)
    #: The main reason's "Other — please specify" box: its name ("" for other questions) and what was typed.
    other_name: str = ""
    other_text: str = ""
    #: Nothing was said after choosing "Other": the error is the box's.
    other_unsaid: bool = False

    @property
    def target(self) -> str:
        """The id of what a link to this question moves focus to: its text box, or its first option."""
        if self.other_unsaid:
            return self.other_name
        return self.name if self.kind == "text" else f"{self.name}-0"


def error_message(qtype: QuestionType, code: str, params: dict) -> str:
    """The translated message for an answer's error code."""
    if code == REQUIRED:
        return {
            QuestionType.MAIN_REASON: _("Please choose one answer."),
            QuestionType.OTHER_REASONS: _("Please tick at least one answer."),
            QuestionType.FREE_TEXT: _("Please write a few words."),
            QuestionType.SCALE_0_10: _("Please choose a number from 0 to 10."),
            QuestionType.YES_NO: _("Please answer yes or no."),
            QuestionType.CONTACT_CONSENT: _("Please answer yes or no."),
        }[qtype]
    if code == OTHER_UNSAID:
        return _("Please say in a few words what it was.")
    if code == TOO_LONG:
        return _("Please keep your answer to %(max)d characters at most (it has %(length)d now).", **params)
    assert code == INVALID_CHOICE
    return _("Please choose one of the answers offered.")


#: Given a text per language, says (in a preview) that the text shown is not in the page's language; "" if it is.
Marker = Callable[[Mapping[str, str]], str]


def field_views(definition: SurveyDefinition, locale: str, submission: Submission | None,
                mark: Marker | None = None) -> list[FieldView]:
    """Describe every question, with what was submitted and its error, if any (and, given ``mark``, which texts
    are shown in another language)."""
    yes_no = (_("Yes"), _("No"))
    views = []

    def reason_label(reason) -> str:
        return localized(reason.label, locale, definition.default_locale)

    for q in definition.questions:
        kind, css = _KIND[q.type]
        raw = submission.raw.get(q.id, []) if submission else []
        error = submission.errors.get(q.id) if submission else None
        main = q.type == QuestionType.MAIN_REASON
        offered = list(choices(q, definition, reason_label, yes_no))
        views.append(FieldView(
            name=q.field_name, label=localized(q.text, locale, definition.default_locale), required=q.required,
            kind=kind, css=css,
            choices=[*offered, (OTHER, _("Other — please specify"))] if main else offered,
            selected=frozenset(raw[:1] if main and raw[:1] == [OTHER] else raw),
            text="\n".join(raw) if kind == "text" else "",
            other_name=other_field(q.field_name) if main else "",
            other_text=raw[1] if main and raw[:1] == [OTHER] and len(raw) > 1 else "",
            other_unsaid=bool(error and error[0] == OTHER_UNSAID),
            error=error_message(q.type, *error) if error else "",
            note=mark(q.text) if mark else "",
            choice_notes=({r.code: note for r in definition.reasons if (note := mark(r.label))}
                          if mark and q.type in (QuestionType.MAIN_REASON, QuestionType.OTHER_REASONS) else {}),
        ))
    return views


def fields_html(definition: SurveyDefinition, locale: str, submission: Submission | None = None,
                mark: Marker | None = None, note_lang: str = "") -> Markup:
    """The question fields as HTML; untouched fields are rendered once per survey version and language (a preview,
    given ``mark`` and the language of its notes, every time)."""
    max_text = current_app.config["MAX_TEXT_LENGTH"]

    def render() -> Markup:
        # The template escapes every value itself (autoescape); Markup only stops a second escaping.
        return Markup(render_template("responses/_answer_fields.html", max_text=max_text, note_lang=note_lang,  # nosec B704
                                      fields=field_views(definition, locale, submission, mark)))

    if submission is not None or mark is not None:
        return render()
    return respondent_cache().fields_html((definition.key, locale, max_text), render)


def consent_wording(definition: SurveyDefinition, locale: str) -> str:
    """The consent or privacy wording the form shows in ``locale``: the survey's own, else the default one."""
    own = (definition.consent.get(locale) or "").strip()
    if own:
        return own
    with force_locale(locale):
        return default_consent()
