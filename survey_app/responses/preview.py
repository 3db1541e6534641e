"""The staff preview of a survey's respondent form: any language, any state, built from the survey as it is now.

The form is the respondent's own page inside a banner; answers sent back to it are only checked, never stored.
The banner and the marks of untranslated texts speak the staff member's language, the form the chosen one.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import current_app, url_for
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _

from ..i18n import LANGUAGES
from ..labels import language_name, state_label
from ..languages import source_locale
from ..surveys.models import Survey
from ..surveys.services import untranslated
from .answers import read_answers
from .definition import fresh_definition
from .fieldviews import Marker
from .public import answer_page


def preview_page(survey: Survey, locale: str, posted: Callable[[str], list[str]] | None = None):
    """Render ``survey``'s respondent form in ``locale`` inside the preview banner, with texts that fall back to
    another language marked; answers ``posted`` back come back with what a respondent would be told."""
    definition = fresh_definition(survey)
    missing = untranslated(survey)
    language = language_name(locale)
    banner = {
        "lang": str(get_locale()),
        "title": _("Preview — answers are not recorded"),
        "explanation": _("This is the form respondents see in %(language)s, as the survey is now (%(state)s). "
                         "Nothing sent from this page is recorded.", language=language,
                         state=state_label(survey.state)),
        "languages_label": _("Preview in"),
        "languages": [(code, native, url_for("surveys.preview", slug=survey.slug, lang=code),
                       ngettext("%(num)d text not translated", "%(num)d texts not translated", n) if n else "")
                      for code, native in LANGUAGES.items()
                      for n in [sum(code in m.locales for m in missing)]],
        "missing_label": _("Not translated into %(language)s, so shown in another language:", language=language),
        "missing": [m.what for m in missing if locale in m.locales],
        "back": _("Back to the survey"),
        "back_url": url_for("surveys.show", slug=survey.slug),
        "result": "",
    }
    mark = _marker(locale, definition.default_locale)
    submission = None
    if posted is not None:
        submission = read_answers(definition, posted, current_app.config["MAX_TEXT_LENGTH"])
        banner["result"] = (_("These answers would be accepted. Nothing was recorded.") if submission.valid else
                            _("A respondent would be asked to correct these answers. Nothing was recorded."))
    with force_locale(locale):
        return answer_page(definition, locale, submission, 200 if submission is None or submission.valid else 400,
                           template="responses/preview.html", mark=mark, note_lang=banner["lang"],
                           preview=banner)


def _marker(locale: str, default_locale: str) -> Marker:
    """Say, in the current language, when a text would be shown in another language than ``locale``."""
    notes = {code: _("Not translated into %(language)s: shown in %(source)s.", language=language_name(locale),
                     source=language_name(code)) for code in LANGUAGES if code != locale}
    nowhere = _("No text in any language.")

    def mark(texts: Mapping[str, str]) -> str:
        source = source_locale(texts, locale, default_locale)
        if source is None:
            return nowhere
        return "" if source == locale else notes.get(source, nowhere)

    return mark
