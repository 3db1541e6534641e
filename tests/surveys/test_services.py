"""Survey services: the reason catalogue, templates, texts, slugs, states and questions."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from survey_app.dbtypes import utcnow
from survey_app.i18n import LANGUAGES
from survey_app.responses.models import Answer
from survey_app.surveys.models import InvalidTransition, Question, Reason, SurveyState
from survey_app.surveys.presets import PRESETS
from survey_app.surveys.services import (
    SurveyError,
    close_survey,
    create_from_template,
    get_survey,
    install_catalogue,
    open_survey,
    remove_question,
    set_texts,
    untranslated,
)
from survey_app.taxonomy import BUCKETS
from tests.conftest import answer_data

EXIT_TYPES = ["main_reason", "other_reasons", "free_text", "scale_0_10", "contact_consent"]
LOYALTY_TYPES = ["main_reason", "other_reasons", "free_text", "scale_0_10", "contact_consent"]


def all_reasons(session) -> list[Reason]:
    return session.scalars(select(Reason).order_by(Reason.code)).all()


class TestCatalogue:
    def test_installs_a_full_catalogue_in_every_language(self, db):
        with db() as session:
            added = install_catalogue()
            reasons = all_reasons(session)
        assert added == len(reasons) >= 20
        assert {r.bucket for r in reasons} == set(BUCKETS)
        for reason in reasons:
            assert reason.active
            for locale in ("en", "fr", "pl", "ru"):
                assert reason.label.get(locale, "").strip(), (reason.code, locale)

    def test_running_it_twice_adds_nothing_and_keeps_staff_changes(self, db):
        with db() as session:
            install_catalogue()
            count = session.scalar(select(func.count()).select_from(Reason))
            moved = session.scalar(select(Reason).where(Reason.code == "moved"))
            moved.label["fr"] = "A déménagé (libellé modifié)"
            moved.bucket = "circumstances"
        with db() as session:
            assert install_catalogue() == 0
            assert session.scalar(select(func.count()).select_from(Reason)) == count
            moved = session.scalar(select(Reason).where(Reason.code == "moved"))
            assert moved.label["fr"] == "A déménagé (libellé modifié)"
            assert moved.label["en"] != "A déménagé (libellé modifié)"


class TestTemplates:
    @pytest.mark.parametrize("kind, types", [("exit", EXIT_TYPES), ("loyalty", LOYALTY_TYPES)])
    def test_template_gives_a_draft_with_its_questions_in_order_and_four_languages(self, db, kind, types):
        with db():
            survey = create_from_template(kind, f"{kind}-2026", "fr")
            questions = [(q.position, q.type.value, q.required) for q in survey.questions]
            missing = untranslated(survey)
        assert survey.state == SurveyState.DRAFT
        assert survey.default_locale == "fr" and survey.open_link is False
        assert [t for _p, t, _r in questions] == types
        assert [p for p, _t, _r in questions] == list(range(1, len(types) + 1))
        assert questions[0][2] is True  # the main reason is required
        for column in ("title", "intro", "thanks"):
            texts = getattr(survey, column)
            assert set(texts) == set(LANGUAGES)
            assert texts == PRESETS[kind][column]
        assert list(survey.reason_codes) == list(PRESETS[kind]["reasons"])
        assert missing == []

    def test_template_is_stored_and_found_by_slug(self, db):
        with db():
            create_from_template("loyalty", "loyalty-q3")
        with db():
            survey = get_survey("loyalty-q3")
            assert survey.title["pl"] == PRESETS["loyalty"]["title"]["pl"]
            assert [q.text["ru"] for q in survey.questions] == [q["text"]["ru"]
                                                                for q in PRESETS["loyalty"]["questions"]]

    def test_removing_the_polish_title_is_reported_as_untranslated(self, app, db):
        with db():
            survey = create_from_template("exit", "exit-pl")
            set_texts(survey, "pl", "", survey.intro["pl"], survey.thanks["pl"], {})
            # The report's labels are translated, so it is built for a request (the staff survey page).
            with app.test_request_context(headers={"Accept-Language": "en"}):
                missing = untranslated(survey)
        assert "pl" not in survey.title
        assert survey.intro["pl"] == PRESETS["exit"]["intro"]["pl"]
        assert [(m.what, m.locales) for m in missing] == [("Title", ["pl"])]

    def test_set_texts_replaces_one_language_only(self, db):
        with db():
            survey = create_from_template("exit", "exit-texts")
            first = survey.questions[0]
            set_texts(survey, "pl", "Nowy tytuł", "Nowe wprowadzenie", "Dzięki!", {first.id: "Główny powód?"})
        with db():
            survey = get_survey("exit-texts")
            assert survey.title["pl"] == "Nowy tytuł" and survey.thanks["pl"] == "Dzięki!"
            assert survey.title["en"] == PRESETS["exit"]["title"]["en"]
            assert survey.questions[0].text["pl"] == "Główny powód?"
            assert survey.questions[1].text["pl"] == PRESETS["exit"]["questions"][1]["text"]["pl"]

    def test_unknown_template_or_language_is_refused(self, db):
        with db():
            with pytest.raises(SurveyError):
                create_from_template("welcome", "welcome-1")
            with pytest.raises(SurveyError):
                create_from_template("exit", "exit-de", "de")


class TestSlugs:
    @pytest.mark.parametrize("slug", ["Bad Slug!", "ab", "-exit", "exit-", "exit_2026", "a" * 65])
    def test_malformed_slug_is_refused(self, db, slug):
        with db():
            with pytest.raises(SurveyError):
                create_from_template("exit", slug)

    def test_slug_is_lower_cased(self, db):
        with db():
            assert create_from_template("exit", "  Exit-2026 ").slug == "exit-2026"

    def test_duplicate_slug_is_refused(self, db):
        with db():
            create_from_template("exit", "exit-2026")
        with db():
            with pytest.raises(SurveyError):
                create_from_template("loyalty", "exit-2026")


class TestStates:
    def test_closing_a_draft_is_refused(self, db):
        with db():
            survey = create_from_template("exit", "exit-draft")
            with pytest.raises(InvalidTransition):
                close_survey(survey)
            assert survey.state == SurveyState.DRAFT

    def test_open_then_close(self, db):
        with db():
            survey = create_from_template("exit", "exit-states")
            open_survey(survey)
            assert survey.state == SurveyState.OPEN
            with pytest.raises(InvalidTransition):
                open_survey(survey)
            close_survey(survey)
        with db():
            assert get_survey("exit-states").state == SurveyState.CLOSED

    def test_closed_survey_can_be_reopened(self, db):
        with db():
            survey = create_from_template("exit", "exit-reopen")
            open_survey(survey)
            close_survey(survey)
            open_survey(survey)
            assert survey.state == SurveyState.OPEN

    def test_accepting_answers_follows_state_and_dates(self, db):
        now = utcnow()
        with db():
            survey = create_from_template("exit", "exit-dates")
            assert not survey.accepting_answers(now)  # draft
            open_survey(survey)
            assert survey.accepting_answers(now)
            survey.opens_at = now + timedelta(hours=1)
            assert not survey.accepting_answers(now)
            assert survey.accepting_answers(now + timedelta(hours=2))
            survey.opens_at, survey.closes_at = None, now + timedelta(days=1)
            assert survey.accepting_answers(now)
            assert not survey.accepting_answers(now + timedelta(days=1))
            assert not survey.accepting_answers(now + timedelta(days=2))
            survey.closes_at = None
            close_survey(survey)
            assert not survey.accepting_answers(now)


class TestRemoveQuestion:
    def test_question_without_answers_is_removed_and_the_rest_renumbered(self, db, make_survey):
        survey = make_survey("exit", state="draft")
        with db() as session:
            survey = get_survey(survey.slug)
            remove_question(survey, survey.questions[1])  # other_reasons
        with db() as session:
            survey = get_survey(survey.slug)
            rows = session.execute(select(Question.position, Question.type)
                                   .where(Question.survey_id == survey.id).order_by(Question.position)).all()
        assert [(p, t.value) for p, t in rows] == [(1, "main_reason"), (2, "free_text"), (3, "scale_0_10"),
                                                   (4, "contact_consent")]

    def test_question_with_answers_cannot_be_removed(self, client, db, make_survey):
        survey = make_survey("exit")
        answered = client.post(f"/s/o/{survey.slug}", data=answer_data(survey, main_reason="moved"))
        assert answered.status_code == 303
        with db() as session:
            survey = get_survey(survey.slug)
            assert session.scalar(select(func.count()).select_from(Answer)) >= 1
            with pytest.raises(SurveyError):
                remove_question(survey, survey.questions[0])
        with db() as session:
            assert len(get_survey(survey.slug).questions) == len(EXIT_TYPES)
