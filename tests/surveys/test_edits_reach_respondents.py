"""Staff edits reach the public pages at once, although those pages are cached."""
from tests.conftest import answer_data


def test_edited_text_and_closing_show_on_the_public_page(client, app, login, make_survey):
    survey = make_survey("exit", default_locale="en")
    public = app.test_client()
    assert "Why did you stop buying from us?" in public.get(f"/s/o/{survey.slug}").text

    login("admin")
    data = {"title": "Why did you leave us, really?", "intro": "Two minutes.", "thanks": "Thanks!"}
    data.update({q.field_name: q.text["en"] for q in survey.questions})
    assert client.post(f"/staff/surveys/{survey.slug}/texts/en", data=data).status_code == 302
    page = public.get(f"/s/o/{survey.slug}").text
    assert "Why did you leave us, really?" in page and "Two minutes." in page

    assert client.post(f"/staff/surveys/{survey.slug}/close").status_code == 302
    assert public.get(f"/s/o/{survey.slug}").status_code == 410
    assert public.post(f"/s/o/{survey.slug}", data=answer_data(survey, main_reason="moved")).status_code == 410


def test_reasons_chosen_in_settings_are_offered(client, app, login, make_survey):
    survey = make_survey("exit")
    login("admin")
    settings = {"slug": survey.slug, "default_locale": "en", "open_link": "y", "reason_codes": ["deceased", "moved"]}
    assert client.post(f"/staff/surveys/{survey.slug}/settings", data=settings).status_code == 302
    page = app.test_client().get(f"/s/o/{survey.slug}").text
    assert 'value="deceased"' in page and 'value="moved"' in page and 'value="no_follow_up"' not in page
