"""Long answers (issue 10, item 12): any request body up to MAX_CONTENT_LENGTH reaches the form's own validation,
which shows the form again with the text kept and the translated length limit; a larger body is a 413 page that
says how much may be sent."""
from __future__ import annotations

import re

import pytest

from tests.conftest import answer_data, csrf_token

MEGABYTE_OF_TEXT = "Trop cher et trop lent. " * (1_000_000 // 24)


def test_a_1_mb_answer_is_shown_again_with_the_limit_not_a_413(app, make_survey):
    survey = make_survey("exit", slug="exit")
    client = app.test_client()
    page = client.post("/s/o/exit?lang=fr", data=answer_data(survey, main_reason="moved", free_text=MEGABYTE_OF_TEXT))
    assert page.status_code == 400
    assert MEGABYTE_OF_TEXT.strip() in page.text, "what was typed is kept"
    assert "5000" in page.text and f"{len(MEGABYTE_OF_TEXT.strip())}" in page.text
    assert re.search(r'value="moved" id="q\d+-\d+" checked', page.text), "the other answers are kept too"


def test_a_1_mb_answer_as_multipart_is_shown_again(app, make_survey):
    survey = make_survey("exit", slug="exit")
    page = app.test_client().post("/s/o/exit", data=answer_data(survey, main_reason="moved", free_text="é" * 600_000),
                                  content_type="multipart/form-data")
    assert page.status_code == 400 and "é" * 600_000 in page.text


def test_a_1_mb_interview_note_is_shown_again_with_csrf_on(app, client, login, make_survey, make_customer):
    survey = make_survey("exit", slug="exit")
    customer = make_customer()
    login("interviewer", locale="pl")
    app.config["WTF_CSRF_ENABLED"] = True  # CSRF protection reads the whole form before the view
    form = client.get("/staff/surveys/exit/interview").text
    data = answer_data(survey, main_reason="moved", free_text=MEGABYTE_OF_TEXT)
    data.update(customer_ref=customer.external_ref, interview_locale="fr", csrf_token=csrf_token(form))
    page = client.post("/staff/surveys/exit/interview", data=data)
    assert page.status_code == 400
    assert MEGABYTE_OF_TEXT.strip() in page.text
    assert "5000" in page.text


@pytest.mark.parametrize("lang, words", [("en", "at most 2 MB"), ("fr", "au plus 2\u202fMo"), ("pl", "najwyżej 2 MB"),
                                         ("ru", "не более 2 МБ")])
def test_a_body_over_the_limit_is_a_413_that_says_how_much_may_be_sent(app, make_survey, lang, words):
    survey = make_survey("exit", slug="exit")
    client = app.test_client()
    client.get(f"/s/o/exit?lang={lang}")
    page = client.post("/s/o/exit", data=answer_data(survey, main_reason="moved", free_text="x" * 2_200_000))
    assert page.status_code == 413
    assert words in page.text, page.text[-600:]


def test_the_413_page_names_the_upload_limit_on_import_pages(app, client, login):
    app.config["IMPORT_MAX_BYTES"] = 3 * 1024 * 1024
    login("admin")
    page = client.post("/staff/customers/import", data={"file": (__import__("io").BytesIO(b"x" * 3_200_000), "a.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 413
    assert "3 MB" in page.text
