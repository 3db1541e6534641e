"""The thank-you page's next step (text and link words per language, a link from the settings), the texts page's
reference language, and language names inside sentences in the reader's language."""
import html

import pytest

from survey_app.surveys.services import SurveyError, check_link
from tests.conftest import answer_data

from .test_views import load


def settings(slug: str, **changes) -> dict:
    data = {"slug": slug, "default_locale": "en", "open_link": "y", "opens_at": "", "closes_at": "",
            "reason_codes": ["moved", "cheaper_elsewhere", "no_follow_up"]}
    data.update(changes)
    return data


@pytest.mark.parametrize("link", ["javascript:alert(1)", "ftp://example.com/x", "https://", "//example.com",
                                  "https://exa mple.com", "https://example.com/" + "a" * 500, "data:text/html,x"])
def test_only_http_links_with_a_host_are_kept(link):
    with pytest.raises(SurveyError):
        check_link(link)


def test_a_refused_link_is_said_at_its_field_and_kept(client, db, login, make_survey):
    survey = make_survey("exit")
    login("admin", locale="fr")
    page = client.post(f"/staff/surveys/{survey.slug}/settings",
                       data=settings(survey.slug, next_step_url="javascript:alert(1)"))
    assert page.status_code == 400 and "javascript:alert(1)" in page.text and "https://" in page.text
    assert load(db, survey.slug).next_step_url is None


def answer_and_thank(client, survey, lang: str) -> str:
    done = client.post(f"/s/o/{survey.slug}?lang={lang}", data=answer_data(survey, main_reason="moved"))
    assert done.status_code == 303
    return client.get(done.headers["Location"]).text


def test_the_next_step_is_shown_in_the_respondents_language_with_its_link(client, db, login, make_survey):
    survey = make_survey("exit")
    login("admin")
    saved = client.post(f"/staff/surveys/{survey.slug}/settings",
                        data=settings(survey.slug, next_step_url="https://shop.example.com/welcome-back?c=10"))
    assert saved.status_code == 302
    texts = {"title": survey.title["pl"], "intro": survey.intro["pl"], "thanks": survey.thanks["pl"],
             "next_step": "Z kodem WRACAM10 otrzymają Państwo 10 % rabatu.", "next_step_label": "Zobacz ofertę"}
    assert client.post(f"/staff/surveys/{survey.slug}/texts/pl", data=texts).status_code == 302
    english = {"title": survey.title["en"], "intro": survey.intro["en"], "thanks": survey.thanks["en"],
               "next_step": "Use the code COMEBACK10 for 10 % off.", "next_step_label": ""}
    assert client.post(f"/staff/surveys/{survey.slug}/texts/en", data=english).status_code == 302
    client.post("/staff/logout")
    polish = answer_and_thank(client, survey, "pl")
    assert "WRACAM10" in polish and "Zobacz ofertę" in polish
    assert 'href="https://shop.example.com/welcome-back?c=10"' in html.unescape(polish)
    assert 'rel="noopener noreferrer"' in polish
    french = answer_and_thank(client, survey, "fr")  # no French text: the survey's own language
    assert "COMEBACK10" in french and "Find out more" not in french and "En savoir plus" in french


def test_no_next_step_section_without_one(client, make_survey):
    survey = make_survey("exit")
    assert 'id="h-next"' not in answer_and_thank(client, survey, "en")


def test_the_texts_page_shows_the_surveys_own_language_as_reference(client, db, login, make_survey):
    survey = make_survey("exit", default_locale="fr")
    login("admin", locale="en")
    page = client.get(f"/staff/surveys/{survey.slug}/texts/pl")
    assert html.escape(survey.title["fr"]) in page.text and "reference language (French)" in page.text
    own = client.get(f"/staff/surveys/{survey.slug}/texts/fr")
    assert "reference language (English)" in own.text


def test_language_names_inside_sentences_are_in_the_readers_language(client, db, login, make_survey):
    survey = make_survey("exit", default_locale="pl")
    login("admin", locale="fr")
    page = client.get(f"/staff/surveys/{survey.slug}/texts/pl")
    assert "polonais" in page.text and "Polski</strong>" in page.text  # the tabs keep each language's own name
    shown = client.get(f"/staff/surveys/{survey.slug}")
    assert "polonais" in shown.text
