"""One reason list: the main reason offers "Other — please specify" (its words sorted like any free text), and the
other reasons are a folded, optional second step on the same list."""
import html
import re

from sqlalchemy import select

from survey_app.responses.answers import OTHER, OTHER_UNSAID, OtherReason, other_field, read_answers
from survey_app.responses.definition import definition_by_id
from survey_app.responses.models import Answer, Response
from survey_app.taxonomy import PENDING
from tests.conftest import answer_data, question_fields


def main_field(survey) -> str:
    return question_fields(survey)["main_reason"]


def test_reading_other_needs_words_and_keeps_them(app, make_survey):
    survey = make_survey("exit")
    with app.app_context():
        definition = definition_by_id(survey.id)
    name = main_field(survey)
    question = next(q for q in definition.questions if q.field_name == name)
    form = {name: [OTHER], other_field(name): ["  Our new owner buys centrally  "]}
    read = read_answers(definition, lambda n: form.get(n, []), 100)
    assert read.values[question.id] == OtherReason("Our new owner buys centrally") and read.valid
    form[other_field(name)] = ["   "]
    unsaid = read_answers(definition, lambda n: form.get(n, []), 100)
    assert unsaid.errors[question.id][0] == OTHER_UNSAID and unsaid.raw[question.id] == [OTHER, ""]
    form[other_field(name)] = ["x" * 101]
    assert read_answers(definition, lambda n: form.get(n, []), 100).errors[question.id][0] == "too_long"


def test_other_in_their_own_words_is_the_cause_once_sorted(client, db, make_survey, classifier, sort_answers):
    survey = make_survey("exit")
    name = main_field(survey)
    data = {name: OTHER, other_field(name): "Nobody ever answered our emails or calls."}
    assert client.post(f"/s/o/{survey.slug}", data=data).status_code == 303
    with db() as session:
        [answer] = session.scalars(select(Answer).where(Answer.is_primary.is_(True))).all()
        assert (answer.reason_code, answer.text, answer.bucket) == (None, data[other_field(name)], PENDING)
    sort_answers()
    with db() as session:
        assert session.scalar(select(Response.primary_bucket)) == "indifference"


def test_other_with_nothing_said_points_at_its_box_and_keeps_the_rest(client, db, make_survey):
    survey = make_survey("exit")
    name = main_field(survey)
    data = {name: OTHER, other_field(name): "", **answer_data(survey, free_text="Kept, please")}
    page = client.post(f"/s/o/{survey.slug}", data=data)
    assert page.status_code == 400 and "Please say in a few words what it was." in page.text
    assert f'href="#{other_field(name)}"' in page.text  # the error summary leads to the box
    assert re.search(rf'value="{OTHER}"[^>]* checked', page.text) and "Kept, please" in page.text
    with db() as session:
        assert session.scalars(select(Response)).all() == []


def test_the_other_reasons_are_folded_until_used(client, make_survey):
    survey = make_survey("exit")
    page = client.get(f"/s/o/{survey.slug}").text
    assert '<details class="more-reasons">' in page  # closed: the list is read once
    assert page.count('value="cheaper_elsewhere"') == 2 and "Other — please specify" in page
    data = {**answer_data(survey, other_reasons=["cheaper_elsewhere"])}
    again = client.post(f"/s/o/{survey.slug}", data=data).text  # the main reason is missing
    assert '<details class="more-reasons" open>' in html.unescape(again)
