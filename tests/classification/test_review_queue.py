"""The review queue: the guess Enter confirms stands out, identical texts are decided once for all, the last
decision can be undone, and a classification can be corrected from the response page."""
import re

import pytest
from sqlalchemy import select

from survey_app.responses.models import Answer, ClassificationSource
from tests.conftest import answer_data


@pytest.fixture
def waiting(app, client, make_survey, make_optional, classifier, sort_answers):
    """Four unsure free-text answers, three of them the same text written differently."""
    app.config["CLASSIFIER_THRESHOLD"] = 0.99
    survey = make_survey("exit")
    make_optional(survey)
    for text in ("Too expensive", "too expensive ", "TOO EXPENSIVE", "Nobody called back"):
        assert client.post(f"/s/o/{survey.slug}", data=answer_data(survey, free_text=text)).status_code == 303
    sort_answers()
    return survey


def answers(db) -> list[Answer]:
    with db() as session:
        return session.scalars(select(Answer).where(Answer.text.is_not(None)).order_by(Answer.id)).all()


def test_the_guess_enter_confirms_looks_different_from_the_others(client, login, waiting):
    login("analyst")
    page = client.get("/staff/review/").text
    first = re.search(r'<form method="post" action="/staff/review/\d+" class="decisions">(.*?)</form>', page, re.S)
    buttons = re.findall(r"<button ([^>]*)>", first.group(1))
    assert "autofocus" in buttons[0] and 'class="primary"' in buttons[0]
    assert all("autofocus" not in b and 'class="secondary"' in b for b in buttons[1:])


def test_identical_texts_are_decided_once_for_all(client, db, login, waiting):
    login("analyst")
    page = client.get("/staff/review/").text
    assert "The same text was given 3 times" in page
    first = answers(db)[0]
    done = client.post(f"/staff/review/{first.id}", data={"bucket": "competitor"}, follow_redirects=True)
    assert "3 answers" in done.text
    buckets = [(a.text.strip().lower(), a.bucket, a.source) for a in answers(db)]
    assert buckets[:3] == [("too expensive", "competitor", ClassificationSource.STAFF)] * 3
    assert buckets[3][1] == "unclassified"
    assert "1 free-text answer waits" in done.text


def test_the_last_decision_can_be_undone(client, db, login, waiting):
    login("analyst")
    first = answers(db)[0]
    before = [(a.bucket, a.source, a.confidence, a.model_version) for a in answers(db)]
    page = client.post(f"/staff/review/{first.id}", data={"bucket": "competitor"}, follow_redirects=True).text
    assert 'action="/staff/review/undo"' in page
    undone = client.post("/staff/review/undo", follow_redirects=True)
    assert undone.status_code == 200 and "4 free-text answers wait" in undone.text
    assert [(a.bucket, a.source, a.confidence, a.model_version) for a in answers(db)] == before
    assert all(a.reviewed_by_id is None for a in answers(db))
    again = client.post("/staff/review/undo", follow_redirects=True)  # nothing left to undo
    assert again.status_code == 409 and "Nothing to undo" in again.text


def test_a_classification_is_corrected_from_the_response_page(client, db, login, waiting):
    login("analyst")
    answer = answers(db)[3]
    page = client.get(f"/staff/responses/{answer.response_id}").text
    assert f'action="/staff/review/{answer.id}"' in page
    done = client.post(f"/staff/review/{answer.id}", data={"bucket": "indifference",
                                                          "next": f"/staff/responses/{answer.response_id}"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/staff/responses/{answer.response_id}")
    assert answers(db)[3].bucket == "indifference"
    elsewhere = client.post(f"/staff/review/{answer.id}", data={"bucket": "competitor", "next": "https://evil.example/"})
    assert elsewhere.headers["Location"] == "/staff/review/"  # never off the site
    chosen = client.post(f"/staff/review/{answer.id}", data={"bucket": "nonsense"})
    assert chosen.status_code == 400
