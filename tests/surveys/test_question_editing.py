"""Questions moved up and down and edited in place from the survey page; respondents get the change at once."""
import html

import pytest
from sqlalchemy import select

from survey_app.reports.filters import ReportFilter
from survey_app.reports.queries import bucket_counts
from survey_app.responses.models import Answer
from survey_app.surveys.models import QuestionType, Survey
from survey_app.surveys.presets import PRESETS
from tests.conftest import PASSWORD, answer_data, app_db, csrf_token

TEXTS = [html.escape(q["text"]["en"]) for q in PRESETS["exit"]["questions"]]


def positions(db, survey) -> list[tuple[int, int]]:
    """(position, question id) of each question, in order."""
    with db() as session:
        return [(q.position, q.id) for q in session.get(Survey, survey.id).questions]


def in_order(page: str, *texts: str) -> bool:
    places = [page.index(t) for t in texts]
    return places == sorted(places)


def move(client, survey, question_id: int, direction: str):
    return client.post(f"/staff/surveys/{survey.slug}/questions/{question_id}/move", data={"direction": direction})


def edit(client, survey, question_id: int, text: str, required: bool = False, qtype: str | None = None, **extra):
    prefix = f"q{question_id}-"
    data = {prefix + "text": text, prefix + "type": qtype or question_type(survey, question_id), **extra}
    if required:
        data[prefix + "required"] = "y"
    return client.post(f"/staff/surveys/{survey.slug}/questions/{question_id}/edit", data=data)


def question_type(survey, question_id: int) -> str:
    return next(q.type.value for q in survey.questions if q.id == question_id)


class TestMove:
    def test_moving_down_then_up_keeps_positions_one_to_n(self, client, db, login, make_survey):
        survey = make_survey("exit", state="draft")
        ids = [q.id for q in survey.questions]
        login("admin")
        moved = move(client, survey, ids[0], "down")
        assert moved.status_code == 302 and moved.headers["Location"].endswith(f"#question-{ids[0]}")
        assert positions(db, survey) == [(1, ids[1]), (2, ids[0]), *[(n, i) for n, i in enumerate(ids[2:], 3)]]
        assert move(client, survey, ids[4], "up").status_code == 302
        assert positions(db, survey) == [(1, ids[1]), (2, ids[0]), (3, ids[2]), (4, ids[4]), (5, ids[3])]
        page = client.get(f"/staff/surveys/{survey.slug}").text
        assert "Question moved." in page
        assert in_order(page, TEXTS[1], TEXTS[0], TEXTS[2], TEXTS[4], TEXTS[3])

    def test_first_up_and_last_down_change_nothing(self, client, db, login, make_survey):
        survey = make_survey("exit", state="draft")
        ids = [q.id for q in survey.questions]
        before = positions(db, survey)
        login("admin")
        assert move(client, survey, ids[0], "up").status_code == 302
        assert move(client, survey, ids[-1], "down").status_code == 302
        assert positions(db, survey) == before

    def test_gaps_left_by_a_removed_question_are_closed(self, client, db, login, make_survey):
        survey = make_survey("exit", state="draft")
        ids = [q.id for q in survey.questions]
        with db() as session:  # positions 1, 2, 5, 7, 9: as an old import might leave them
            for question, position in zip(session.get(Survey, survey.id).questions, (1, 2, 5, 7, 9), strict=True):
                question.position = position
        login("admin")
        assert move(client, survey, ids[3], "up").status_code == 302
        assert positions(db, survey) == [(1, ids[0]), (2, ids[1]), (3, ids[3]), (4, ids[2]), (5, ids[4])]

    def test_the_public_form_shows_the_new_order_at_once(self, client, app, login, make_survey):
        survey = make_survey("exit")
        ids = [q.id for q in survey.questions]
        public = app.test_client()
        assert in_order(public.get(f"/s/o/{survey.slug}").text, TEXTS[0], TEXTS[1])  # cached from now on
        login("admin")
        assert move(client, survey, ids[1], "up").status_code == 302
        assert in_order(public.get(f"/s/o/{survey.slug}").text, TEXTS[1], TEXTS[0])

    def test_answers_and_reports_are_unchanged_by_a_new_order(self, client, app, db, login, make_survey):
        survey = make_survey("exit")
        ids = [q.id for q in survey.questions]
        public = app.test_client()
        sent = public.post(f"/s/o/{survey.slug}", data=answer_data(survey, main_reason="cheaper_elsewhere",
                                                                   scale_0_10="3"))
        assert sent.status_code == 303

        def stored():
            with db() as session:
                return sorted(session.execute(select(Answer.question_id, Answer.reason_code, Answer.number)).all())

        def report():
            with app_db(app):
                return bucket_counts(ReportFilter(surveys=(survey.slug,)))

        answers, counts = stored(), report()
        assert counts and answers
        login("admin")
        assert move(client, survey, ids[0], "down").status_code == 302  # allowed although answered
        assert move(client, survey, ids[3], "up").status_code == 302
        assert stored() == answers and report() == counts
        # The response page still shows each answer beside its own question.
        with db() as session:
            response_id = session.scalar(select(Answer.response_id))
        shown = client.get(f"/staff/responses/{response_id}")
        assert shown.status_code == 200
        page = shown.text
        row = page[page.index(TEXTS[0]):]
        assert row.index("A lower price elsewhere") < row.index("</tr>")

    def test_a_bad_direction_is_refused(self, client, db, login, make_survey):
        survey = make_survey("exit", state="draft")
        before = positions(db, survey)
        login("admin")
        assert move(client, survey, survey.questions[0].id, "sideways").status_code == 400
        assert client.post(f"/staff/surveys/{survey.slug}/questions/{survey.questions[0].id}/move").status_code == 400
        assert positions(db, survey) == before


class TestEdit:
    def test_admin_edits_text_and_required_and_the_public_form_shows_it(self, client, app, db, login, make_survey):
        survey = make_survey("exit")
        free_text = next(q for q in survey.questions if q.type == QuestionType.FREE_TEXT)
        public = app.test_client()
        assert TEXTS[2] in public.get(f"/s/o/{survey.slug}").text  # cached from now on
        login("admin")
        saved = edit(client, survey, free_text.id, "  What should we have done differently?  ", required=True)
        assert saved.status_code == 302
        with db() as session:
            question = session.get(Survey, survey.id).questions[2]
            assert question.text["en"] == "What should we have done differently?"
            assert question.text["fr"] == PRESETS["exit"]["questions"][2]["text"]["fr"]  # translations kept
            assert question.required is True
        page = public.get(f"/s/o/{survey.slug}").text
        assert "What should we have done differently?" in page and TEXTS[2] not in page
        # Now required: a respondent who leaves it empty is asked for it.
        refused = public.post(f"/s/o/{survey.slug}", data=answer_data(survey, main_reason="moved"))
        assert refused.status_code == 400 and "Please write a few words." in refused.text

    def test_the_text_is_edited_in_the_surveys_own_language(self, client, db, login, make_survey):
        survey = make_survey("exit", state="draft", default_locale="pl")
        question = survey.questions[0]
        login("admin")
        assert edit(client, survey, question.id, "Główny powód?", required=True).status_code == 302
        with db() as session:
            text = session.get(Survey, survey.id).questions[0].text
        assert text["pl"] == "Główny powód?" and text["en"] == PRESETS["exit"]["questions"][0]["text"]["en"]

    @pytest.mark.parametrize("text, message", [
        ("   ", "Write the question's text."),
        ("x" * 2001, "Field cannot be longer than 2000 characters."),
    ])
    def test_bad_text_is_refused_with_a_message_and_kept(self, client, db, login, make_survey, text, message):
        survey = make_survey("exit", state="draft")
        question = survey.questions[2]
        login("admin")
        page = edit(client, survey, question.id, text)
        assert page.status_code == 400
        assert message in html.unescape(page.text)
        assert '<details class="question-edit" open>' in page.text
        assert text.strip() in page.text  # what was typed is kept in the form
        with db() as session:
            kept = session.get(Survey, survey.id).questions[2].text["en"]
        assert kept == PRESETS["exit"]["questions"][2]["text"]["en"]

    def test_too_long_text_is_refused_in_the_admins_language(self, client, login, make_survey):
        survey = make_survey("exit", state="draft")
        login("admin", locale="fr")
        page = edit(client, survey, survey.questions[2].id, "x" * 2001)
        assert page.status_code == 400
        assert "Le champ ne peut pas contenir plus de 2000 caractères." in html.unescape(page.text)

    def test_type_changes_before_any_answer(self, client, db, login, make_survey):
        survey = make_survey("exit", state="draft")
        question = survey.questions[3]  # scale 0-10
        login("admin")
        assert edit(client, survey, question.id, "Would you buy again?", qtype="yes_no").status_code == 302
        with db() as session:
            assert session.get(Survey, survey.id).questions[3].type == QuestionType.YES_NO

    def test_type_change_of_an_answered_question_is_refused(self, client, app, db, login, make_survey):
        survey = make_survey("exit")
        scale = survey.questions[3]
        sent = app.test_client().post(f"/s/o/{survey.slug}", data=answer_data(survey, main_reason="moved",
                                                                              scale_0_10="7"))
        assert sent.status_code == 303
        login("admin")
        refused = edit(client, survey, scale.id, "Would you buy again?", qtype="yes_no")
        assert refused.status_code == 409
        assert "so its type cannot change" in refused.text
        with db() as session:
            question = session.get(Survey, survey.id).questions[3]
            assert question.type == QuestionType.SCALE_0_10
            assert question.text["en"] == PRESETS["exit"]["questions"][3]["text"]["en"]
        # Its text and required flag may still change: stored answers fit them.
        assert edit(client, survey, scale.id, "Would you buy from us again?", required=True).status_code == 302

    def test_an_unknown_type_is_refused(self, client, login, make_survey):
        survey = make_survey("exit", state="draft")
        login("admin")
        assert edit(client, survey, survey.questions[3].id, "Again?", qtype="colour").status_code == 400


@pytest.mark.parametrize("action", ["move", "edit"])
class TestRefusals:
    def send(self, client, survey, question_id, action):
        if action == "move":
            return move(client, survey, question_id, "down")
        return edit(client, survey, question_id, "Changed?", qtype="free_text")

    def test_non_admins_are_forbidden(self, client, db, login, make_survey, action):
        survey = make_survey("exit", state="draft")
        before = positions(db, survey)
        login("analyst")
        assert self.send(client, survey, survey.questions[2].id, action).status_code == 403
        assert positions(db, survey) == before

    def test_unknown_question_is_not_found(self, client, login, make_survey, action):
        survey = make_survey("exit", state="draft")
        login("admin")
        assert self.send(client, survey, 99999, action).status_code == 404
        assert client.post(f"/staff/surveys/no-such-survey/questions/1/{action}").status_code == 404

    def test_another_surveys_question_is_not_found(self, client, db, login, make_survey, action):
        survey, other = make_survey("exit", state="draft"), make_survey("loyalty", state="draft")
        before = positions(db, other)
        login("admin")
        page = client.post(f"/staff/surveys/{survey.slug}/questions/{other.questions[0].id}/{action}",
                           data={"direction": "down", f"q{other.questions[0].id}-text": "Hijacked?",
                                 f"q{other.questions[0].id}-type": "free_text"})
        assert page.status_code == 404
        assert positions(db, other) == before
        with db() as session:
            assert "Hijacked?" not in session.get(Survey, other.id).questions[0].text.values()

    def test_missing_csrf_token_is_refused(self, csrf_app, client, db, make_user, make_survey, action):
        survey = make_survey("exit", state="draft")
        question = survey.questions[2]
        user = make_user("admin")
        client.post("/staff/login", data={"email": user.email, "password": PASSWORD,
                                          "csrf_token": csrf_token(client.get("/staff/login").text)})
        before = positions(db, survey)
        assert self.send(client, survey, question.id, action).status_code == 400
        assert positions(db, survey) == before
        with db() as session:
            assert session.get(Survey, survey.id).questions[2].type == QuestionType.FREE_TEXT
            assert session.get(Survey, survey.id).questions[2].text["en"] != "Changed?"
        # With the survey page's token, it goes through.
        token = csrf_token(client.get(f"/staff/surveys/{survey.slug}").text)
        sent = (client.post(f"/staff/surveys/{survey.slug}/questions/{question.id}/move",
                            data={"direction": "down", "csrf_token": token}) if action == "move" else
                client.post(f"/staff/surveys/{survey.slug}/questions/{question.id}/edit",
                            data={f"q{question.id}-text": "Changed?", f"q{question.id}-type": "free_text",
                                  f"q{question.id}-csrf_token": token}))
        assert sent.status_code == 302
