"""Save and resume on personal links: a draft is kept as the customer types (or when they ask), the link resumes it,
sending drops it; a draft is never a response, and the public link has none."""
import html
import re

from sqlalchemy import func, select

from survey_app.invitations.models import Invitation
from survey_app.responses.models import Draft, Response
from tests.conftest import answer_data, csrf_token, question_fields


def drafts(db) -> list[Draft]:
    with db() as session:
        return session.scalars(select(Draft)).all()


def responses(db) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(Response))


def test_typing_is_kept_and_the_link_resumes_it(client, db, make_survey, make_invitation):
    survey = make_survey("exit")
    _invitation, token = make_invitation(survey, locale="pl")
    page = client.get(f"/s/{token}")
    assert f'data-draft-url="/s/{token}/draft"' in page.text and "Zapisz i dokończ później" in page.text
    data = answer_data(survey, main_reason="no_follow_up", free_text="Nikt nie oddzwonił.", scale_0_10="3")
    assert client.post(f"/s/{token}/draft", data={**data, "locale": "pl"}).status_code == 204
    [draft] = drafts(db)
    assert draft.locale == "pl" and "Nikt nie oddzwonił." in str(draft.values)
    again = client.get(f"/s/{token}").text
    assert "Witamy ponownie" in again and "Nikt nie oddzwonił." in html.unescape(again)
    assert re.search(r'value="no_follow_up"[^>]* checked', again) and 'value="3"' in again
    assert responses(db) == 0  # a draft is not a response


def test_save_and_finish_later_without_javascript(client, db, make_survey, make_invitation):
    survey = make_survey("exit")
    _invitation, token = make_invitation(survey)
    data = answer_data(survey, free_text="Half of what I wanted to say")  # the required main reason is missing
    saved = client.post(f"/s/{token}", data={**data, "save_draft": "1"})
    assert saved.status_code == 200 and "Saved. You can close this page" in saved.text
    assert "Half of what I wanted to say" in saved.text and 'class="error-summary"' not in saved.text
    assert responses(db) == 0 and len(drafts(db)) == 1
    with db() as session:
        assert session.scalar(select(Invitation.state)).value != "answered"


def test_sending_drops_the_draft_and_a_late_save_does_not_bring_it_back(client, db, make_survey, make_invitation):
    survey = make_survey("exit")
    _invitation, token = make_invitation(survey)
    data = answer_data(survey, main_reason="moved", free_text="We moved abroad.")
    assert client.post(f"/s/{token}/draft", data=data).status_code == 204
    assert client.post(f"/s/{token}", data=data).status_code == 303
    assert drafts(db) == [] and responses(db) == 1
    late = client.post(f"/s/{token}/draft", data=data)
    assert late.status_code == 409 and drafts(db) == []


def test_only_the_surveys_own_fields_are_kept_and_texts_are_cut(app, client, db, make_survey, make_invitation):
    survey = make_survey("exit")
    _invitation, token = make_invitation(survey)
    limit = app.config["MAX_TEXT_LENGTH"]
    data = {**answer_data(survey, free_text="x" * (limit + 500)), "is_admin": "1", "q999": "injected"}
    assert client.post(f"/s/{token}/draft", data=data).status_code == 204
    [draft] = drafts(db)
    assert set(draft.values) == {question_fields(survey)["free_text"]}
    assert len(next(iter(draft.values.values()))[0]) == limit


def test_a_draft_needs_the_pages_token_and_a_valid_link(csrf_app, client, db, make_survey, make_invitation):
    survey = make_survey("exit")
    _invitation, token = make_invitation(survey)
    data = answer_data(survey, free_text="Hello")
    assert client.post(f"/s/{token}/draft", data=data).status_code == 400
    good = csrf_token(client.get(f"/s/{token}").text)
    assert client.post(f"/s/{token}/draft", data={**data, "csrf_token": good}).status_code == 204
    assert client.post("/s/not-a-token/draft", data={**data, "csrf_token": good}).status_code == 404
    assert len(drafts(db)) == 1


def test_the_public_link_has_no_draft(client, make_survey):
    survey = make_survey("exit")
    page = client.get(f"/s/o/{survey.slug}").text
    assert "data-draft-url" not in page and "save_draft" not in page and "<script" not in page
