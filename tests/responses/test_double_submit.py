"""Double submits (issue 10, item 12): the same public-link or interview form sent twice stores one response, and
the second sending shows the person the same outcome as the first (the thank-you page, the recorded interview)."""
from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from survey_app.responses.models import Response
from tests.conftest import answer_data

KEY = re.compile(r'name="submission_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="submission_key"')


def submission_key(html: str) -> str:
    match = KEY.search(html)
    assert match, "the form carries a submission key"
    return match.group(1) or match.group(2)


def stored(db) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(Response))


def test_the_public_form_sent_twice_stores_one_response_and_thanks_twice(app, db, make_survey):
    survey = make_survey("exit", slug="exit")
    client = app.test_client()
    data = {**answer_data(survey, main_reason="moved", free_text="Nous avons déménagé."),
            "submission_key": submission_key(client.get("/s/o/exit?lang=fr").text)}
    first = client.post("/s/o/exit?lang=fr", data=data)
    second = client.post("/s/o/exit?lang=fr", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert client.get(second.headers["Location"]).status_code == 200
    assert stored(db) == 1


def test_every_view_of_the_cached_blank_form_has_its_own_key(app, make_survey):
    make_survey("exit", slug="exit")
    client = app.test_client()
    keys = {submission_key(client.get("/s/o/exit").text) for _ in range(5)}
    keys |= {submission_key(app.test_client().get("/s/o/exit?lang=pl").text) for _ in range(3)}
    assert len(keys) == 8


def test_two_people_on_the_same_page_store_two_responses(app, db, make_survey):
    survey = make_survey("exit", slug="exit")
    for _ in range(2):
        client = app.test_client()
        key = submission_key(client.get("/s/o/exit").text)
        data = {**answer_data(survey, main_reason="moved"), "submission_key": key}
        assert client.post("/s/o/exit", data=data).status_code == 303
    assert stored(db) == 2


def test_a_refused_form_keeps_its_key_so_the_corrected_one_counts_once(app, db, make_survey):
    survey = make_survey("exit", slug="exit")
    client = app.test_client()
    key = submission_key(client.get("/s/o/exit").text)
    refused = client.post("/s/o/exit", data={**answer_data(survey, free_text="x"), "submission_key": key})
    assert refused.status_code == 400 and submission_key(refused.text) == key
    data = {**answer_data(survey, main_reason="moved"), "submission_key": key}
    assert [client.post("/s/o/exit", data=data).status_code for _ in range(3)] == [303, 303, 303]
    assert stored(db) == 1


def test_double_clicks_at_the_same_moment_store_one_response(app, db, make_survey):
    survey = make_survey("exit", slug="exit")
    key = submission_key(app.test_client().get("/s/o/exit").text)
    data = {**answer_data(survey, main_reason="moved", free_text="Too slow."), "submission_key": key}
    statuses, start = [], threading.Barrier(4)

    def send() -> None:
        client = app.test_client()
        start.wait()
        statuses.append(client.post("/s/o/exit", data=data).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * 4
    assert stored(db) == 1


@pytest.mark.parametrize("key", ["", "short", "x" * 200, "<script>", "a b c d e f g h i j k l"])
def test_a_missing_or_odd_key_still_stores_the_answers(app, db, make_survey, key):
    survey = make_survey("exit", slug="exit")
    assert app.test_client().post("/s/o/exit", data={**answer_data(survey, main_reason="moved"),
                                                     "submission_key": key}).status_code == 303
    assert stored(db) == 1


def test_a_personal_link_sent_twice_thanks_twice(app, db, make_survey, make_invitation):
    survey = make_survey("exit", slug="exit")
    _invitation, token = make_invitation(survey, locale="pl")
    client = app.test_client()
    key = submission_key(client.get(f"/s/{token}").text)
    data = {**answer_data(survey, main_reason="moved"), "submission_key": key}
    first, second = client.post(f"/s/{token}", data=data), client.post(f"/s/{token}", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert stored(db) == 1
    # Another form (another key) on a used link: the link has been used.
    assert client.post(f"/s/{token}", data={**data, "submission_key": "Z" * 22}).status_code == 409


def test_an_interview_saved_twice_is_recorded_once_and_shown_both_times(client, db, login, make_survey,
                                                                         make_customer):
    survey = make_survey("exit", slug="exit")
    customer = make_customer(name="Zofia Nowak")
    login("interviewer", locale="pl")
    form = client.get(f"/staff/surveys/exit/interview?customer={customer.external_ref}").text
    data = {**answer_data(survey, main_reason="moved", free_text="Przeprowadzka."),
            "customer_ref": customer.external_ref, "interview_locale": "pl", "submission_key": submission_key(form)}
    first = client.post("/staff/surveys/exit/interview", data=data)
    second = client.post("/staff/surveys/exit/interview", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    shown = client.get(second.headers["Location"])
    assert shown.status_code == 200 and "Przeprowadzka." in shown.text and "Zofia Nowak" in shown.text
    assert stored(db) == 1


def test_each_interview_form_has_its_own_key_and_keeps_it_when_refused(client, db, login, make_survey):
    survey = make_survey("exit", slug="exit")
    login("interviewer")
    first = submission_key(client.get("/staff/surveys/exit/interview").text)
    assert first != submission_key(client.get("/staff/surveys/exit/interview").text)
    data = {**answer_data(survey, main_reason="moved"), "customer_ref": "NOPE", "interview_locale": "en",
            "submission_key": first}
    refused = client.post("/staff/surveys/exit/interview", data=data)
    assert refused.status_code == 400 and submission_key(refused.text) == first
