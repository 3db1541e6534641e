"""The staff preview of a survey's respondent form (/staff/surveys/<slug>/preview)."""
import html
import re

import pytest
from sqlalchemy import func, select

from survey_app.responses.models import Response
from survey_app.surveys.models import Reason, Survey
from survey_app.surveys.presets import PRESETS
from tests.conftest import PASSWORD, answer_data, csrf_token

BANNER = "Preview — answers are not recorded"


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([a-z]+)"', page).group(1)


def responses(db) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(Response))


@pytest.mark.parametrize("state", ["draft", "open", "closed"])
def test_admin_previews_the_form_in_russian_whatever_the_state(client, login, make_survey, state):
    survey = make_survey("exit", state=state)
    login("admin")
    page = client.get(f"/staff/surveys/{survey.slug}/preview?lang=ru")
    assert page.status_code == 200
    assert html_lang(page.text) == "ru"
    assert BANNER in page.text
    assert html.escape(PRESETS["exit"]["title"]["ru"]) in page.text
    for question in PRESETS["exit"]["questions"]:
        assert html.escape(question["text"]["ru"]) in page.text
    assert "Отправить ответы" in page.text  # the respondent's own button, in Russian
    # Links to the preview in each language; the one shown is not a link.
    for code in ("en", "fr", "pl"):
        assert f'href="/staff/surveys/{survey.slug}/preview?lang={code}"' in page.text
    assert 'lang="ru" aria-current="page"' in page.text


def test_the_preview_language_is_not_remembered_for_the_staff_pages(client, login, make_survey):
    survey = make_survey("exit", state="draft")
    login("admin")
    assert html_lang(client.get(f"/staff/surveys/{survey.slug}/preview?lang=pl").text) == "pl"
    assert html_lang(client.get(f"/staff/surveys/{survey.slug}").text) == "en"


def test_the_banner_speaks_the_staff_members_language(client, login, make_survey):
    survey = make_survey("exit", state="draft")
    login("admin", locale="en")
    page = client.get(f"/staff/surveys/{survey.slug}/preview?lang=fr").text
    assert html_lang(page) == "fr"
    assert '<section class="preview-banner" id="preview" lang="en"' in page
    assert BANNER in page


def test_missing_translations_are_marked_where_they_fall_back(client, db, login, make_survey):
    survey = make_survey("exit", state="draft")
    with db() as session:
        stored = session.get(Survey, survey.id)
        first = stored.questions[0]
        first.text = {k: v for k, v in first.text.items() if k != "pl"}
        stored.title = {k: v for k, v in stored.title.items() if k != "pl"}
        stored.touch()
    login("admin")
    page = client.get(f"/staff/surveys/{survey.slug}/preview?lang=pl").text
    # The English texts stand in, each with a visible mark saying so.
    assert html.escape(PRESETS["exit"]["questions"][0]["text"]["en"]) in page
    assert html.escape(PRESETS["exit"]["title"]["en"]) in page
    assert page.count("Not translated into Polish: shown in English.") == 2
    assert page.count('class="untranslated"') == 2
    # The banner lists them, and says how many texts each language misses.
    assert "Not translated into Polish, so shown in another language:" in page
    assert "<li>Title</li>" in page and "<li>Question 1</li>" in page
    assert re.search(r'lang="pl" aria-current="page">Polski</strong> <span class="small">\(2 texts not '
                     r'translated\)</span>', page)
    # A reason without a Polish label is marked in each question offering it.
    with db() as session:
        reason = session.scalar(select(Reason).where(Reason.code == "moved"))
        reason.label = {k: v for k, v in reason.label.items() if k != "pl"}
        session.get(Survey, survey.id).touch()
    page = client.get(f"/staff/surveys/{survey.slug}/preview?lang=pl").text
    assert re.findall(r'value="moved"[^<]*>[^<]*<span class="untranslated" lang="en">([^<]*)</span>', page) == [
        "Not translated into Polish: shown in English."] * 2
    # A complete language has no marks.
    english = client.get(f"/staff/surveys/{survey.slug}/preview?lang=en").text
    assert 'class="untranslated"' not in english


def test_the_preview_shows_the_current_row_not_a_cached_form(client, app, db, login, make_survey):
    survey = make_survey("exit")
    public = app.test_client()
    assert public.get(f"/s/o/{survey.slug}").status_code == 200  # the public form is now cached
    with db() as session:  # changed behind the cache's back: no announcement, same version
        stored = session.get(Survey, survey.id)
        version = stored.updated_at
        stored.questions[0].text = {**stored.questions[0].text, "en": "Changed directly in the database?"}
        session.flush()
        stored.updated_at = version
    assert "Changed directly in the database?" not in public.get(f"/s/o/{survey.slug}").text  # still cached
    login("admin")
    assert "Changed directly in the database?" in client.get(f"/staff/surveys/{survey.slug}/preview?lang=en").text


def test_sending_the_preview_only_checks_the_answers(client, db, login, make_survey):
    survey = make_survey("exit")
    login("admin")
    url = f"/staff/surveys/{survey.slug}/preview?lang=fr"
    refused = client.post(url, data=answer_data(survey, free_text="Trop cher"))
    assert refused.status_code == 400
    assert 'role="alert"' in refused.text and "Veuillez choisir une réponse." in refused.text
    assert "Trop cher" in refused.text  # kept, as for a respondent
    assert "A respondent would be asked to correct these answers. Nothing was recorded." in refused.text
    accepted = client.post(url, data=answer_data(survey, main_reason="moved"))
    assert accepted.status_code == 200
    assert "These answers would be accepted. Nothing was recorded." in accepted.text
    assert responses(db) == 0


def test_the_preview_form_needs_the_staff_csrf_token(csrf_app, client, app, make_user, make_survey):
    survey = make_survey("exit", state="draft")
    user = make_user("admin")
    client.post("/staff/login", data={"email": user.email, "password": PASSWORD,
                                      "csrf_token": csrf_token(client.get("/staff/login").text)})
    url = f"/staff/surveys/{survey.slug}/preview"
    page = client.get(url)
    assert client.post(url, data=answer_data(survey, main_reason="moved")).status_code == 400
    sent = client.post(url, data={**answer_data(survey, main_reason="moved"), "csrf_token": csrf_token(page.text)})
    assert sent.status_code == 200 and "These answers would be accepted." in sent.text


def test_analysts_may_preview_interviewers_may_not(client, app, login, make_survey):
    survey = make_survey("exit", state="draft")
    login("analyst")
    assert client.get(f"/staff/surveys/{survey.slug}/preview?lang=en").status_code == 200
    other = app.test_client()
    login("interviewer", the_client=other)
    assert other.get(f"/staff/surveys/{survey.slug}/preview?lang=en").status_code == 403
    assert app.test_client().get(f"/staff/surveys/{survey.slug}/preview").status_code == 302  # to sign in


def test_unknown_survey_or_language_is_refused(client, login, make_survey):
    survey = make_survey("exit", state="draft")
    login("admin")
    assert client.get("/staff/surveys/no-such-survey/preview?lang=en").status_code == 404
    assert client.get(f"/staff/surveys/{survey.slug}/preview?lang=de").status_code == 400


def test_without_a_language_the_preview_shows_the_survey_default(client, login, make_survey):
    survey = make_survey("exit", state="draft", default_locale="pl")
    login("admin")
    assert html_lang(client.get(f"/staff/surveys/{survey.slug}/preview").text) == "pl"


def test_the_survey_page_links_to_the_preview(client, login, make_survey):
    survey = make_survey("exit", state="draft")
    login("analyst")
    page = client.get(f"/staff/surveys/{survey.slug}").text
    for code in ("en", "fr", "pl", "ru"):
        assert f'href="/staff/surveys/{survey.slug}/preview?lang={code}"' in page


def test_a_draft_preview_does_not_open_the_public_link(client, app, login, make_survey):
    survey = make_survey("exit", state="draft")
    login("admin")
    assert client.get(f"/staff/surveys/{survey.slug}/preview").status_code == 200
    assert app.test_client().get(f"/s/o/{survey.slug}").status_code == 404
