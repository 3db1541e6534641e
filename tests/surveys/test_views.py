"""Staff survey pages (/staff/surveys) and the ``flask surveys`` commands."""
import html
import json
import re
from datetime import datetime

from sqlalchemy import func, select

from survey_app.surveys.models import Survey, SurveyKind, SurveyState
from survey_app.surveys.presets import PRESETS
from survey_app.surveys.services import get_survey
from tests.conftest import PASSWORD, answer_data, csrf_token


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([a-z]+)"', page).group(1)


def heading(page: str) -> str:
    return html.unescape(re.search(r"<h1>(.*?)</h1>", page, re.S).group(1).strip())


def load(db, slug: str) -> Survey:
    with db():
        survey = get_survey(slug)
        _ = survey.questions  # load them before the context ends
        return survey


def survey_count(db) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(Survey))


def test_admin_creates_a_polish_survey_translates_it_and_opens_it(client, db, login):
    login("admin")
    created = client.post("/staff/surveys/new", data={"template": "exit", "slug": "exit-2026",
                                                       "default_locale": "pl", "open_link": "y"})
    assert created.status_code == 302
    assert created.headers["Location"] == "/staff/surveys/exit-2026"

    page = client.get("/staff/surveys/exit-2026")
    assert page.status_code == 200
    for question in PRESETS["exit"]["questions"]:
        assert html.escape(question["text"]["en"]) in page.text
    survey = load(db, "exit-2026")
    assert survey.state == SurveyState.DRAFT and survey.kind == SurveyKind.EXIT
    assert survey.default_locale == "pl" and survey.open_link is True

    texts_page = client.get("/staff/surveys/exit-2026/texts/pl")
    assert texts_page.status_code == 200
    assert html.escape(PRESETS["exit"]["title"]["pl"]) in texts_page.text
    data = {"title": "Dlaczego nas Państwo opuścili?", "intro": "Krótka ankieta.", "thanks": "Dziękujemy!"}
    data.update({q.field_name: f"Pytanie {q.position}" for q in survey.questions})
    saved = client.post("/staff/surveys/exit-2026/texts/pl", data=data)
    assert saved.status_code == 302
    survey = load(db, "exit-2026")
    assert survey.title["pl"] == "Dlaczego nas Państwo opuścili?"
    assert survey.thanks["pl"] == "Dziękujemy!"
    assert [q.text["pl"] for q in survey.questions] == [f"Pytanie {n}" for n in range(1, 6)]
    assert survey.title["en"] == PRESETS["exit"]["title"]["en"]  # other languages untouched

    # A draft's public link is not live yet.
    assert client.get("/s/o/exit-2026").status_code == 404
    opened = client.post("/staff/surveys/exit-2026/open")
    assert opened.status_code == 302
    assert load(db, "exit-2026").state == SurveyState.OPEN

    public = client.get("/s/o/exit-2026", headers={"Accept-Language": "pl"})
    assert public.status_code == 200
    assert html_lang(public.text) == "pl"
    assert heading(public.text) == "Dlaczego nas Państwo opuścili?"
    assert "Pytanie 1" in public.text


def test_new_survey_page_offers_both_templates(client, login):
    login("admin")
    page = client.get("/staff/surveys/new")
    assert page.status_code == 200
    assert 'value="exit"' in page.text and 'value="loyalty"' in page.text


def test_invalid_slug_is_refused_and_kept_in_the_form(client, db, login):
    login("admin")
    page = client.post("/staff/surveys/new",
                       data={"template": "loyalty", "slug": "Bad Slug!", "default_locale": "fr"})
    assert page.status_code == 400
    assert 'value="Bad Slug!"' in page.text
    assert 'class="errors"' in page.text
    assert survey_count(db) == 0


def test_taken_slug_is_refused_with_an_error(client, db, login, make_survey):
    make_survey("exit", slug="exit-2026")
    login("admin")
    page = client.post("/staff/surveys/new",
                       data={"template": "loyalty", "slug": "exit-2026", "default_locale": "en"})
    assert page.status_code == 400
    assert 'value="exit-2026"' in page.text and 'class="errors"' in page.text
    assert survey_count(db) == 1


def test_survey_list_shows_each_survey_with_its_slug(client, login, make_survey):
    make_survey("exit", slug="exit-a")
    make_survey("loyalty", slug="loyalty-b", state="draft")
    login("analyst")
    page = client.get("/staff/surveys/")
    assert page.status_code == 200
    assert "exit-a" in page.text and "loyalty-b" in page.text
    assert html.escape(PRESETS["loyalty"]["title"]["en"]) in page.text


def test_closing_a_draft_is_a_conflict_and_changes_nothing(client, db, login, make_survey):
    survey = make_survey("exit", state="draft")
    login("admin")
    assert client.post(f"/staff/surveys/{survey.slug}/close").status_code == 409
    assert load(db, survey.slug).state == SurveyState.DRAFT


def test_open_survey_is_closed_from_its_page(client, db, login, make_survey):
    survey = make_survey("exit")
    login("admin")
    assert client.post(f"/staff/surveys/{survey.slug}/close").status_code == 302
    assert load(db, survey.slug).state == SurveyState.CLOSED
    assert client.get(f"/s/o/{survey.slug}").status_code == 410


class TestSettings:
    def settings(self, slug: str, **changes) -> dict:
        data = {"slug": slug, "default_locale": "en", "open_link": "y", "opens_at": "", "closes_at": "",
                "reason_codes": ["moved", "cheaper_elsewhere", "no_follow_up"]}
        data.update(changes)
        return data

    def test_saves_language_dates_and_reasons(self, client, db, login, make_survey):
        survey = make_survey("exit", state="draft")
        login("admin")
        page = client.get(f"/staff/surveys/{survey.slug}/settings")
        assert page.status_code == 200
        assert 'value="deceased"' in page.text
        saved = client.post(f"/staff/surveys/{survey.slug}/settings", data=self.settings(
            survey.slug, default_locale="ru", opens_at="2030-01-01T09:00", closes_at="2030-02-01T18:30"))
        assert saved.status_code == 302
        stored = load(db, survey.slug)
        assert stored.default_locale == "ru"
        assert stored.opens_at == datetime(2030, 1, 1, 9, 0)
        assert stored.closes_at == datetime(2030, 2, 1, 18, 30)
        assert list(stored.reason_codes) == ["moved", "cheaper_elsewhere", "no_follow_up"]
        assert stored.anonymous is False

    def test_new_slug_moves_the_survey(self, client, db, login, make_survey):
        survey = make_survey("exit", state="draft")
        login("admin")
        saved = client.post(f"/staff/surveys/{survey.slug}/settings", data=self.settings("exit-renamed"))
        assert saved.status_code == 302 and saved.headers["Location"] == "/staff/surveys/exit-renamed"
        assert load(db, "exit-renamed").id == survey.id

    def test_closing_before_opening_is_refused_with_a_message(self, client, db, login, make_survey):
        survey = make_survey("exit", state="draft")
        login("admin")
        page = client.post(f"/staff/surveys/{survey.slug}/settings", data=self.settings(
            survey.slug, default_locale="fr", opens_at="2030-02-01T09:00", closes_at="2030-01-01T09:00"))
        assert page.status_code == 400
        assert 'role="alert"' in page.text
        assert "The closing date must come after the opening date." in page.text
        assert 'value="2030-02-01T09:00"' in page.text  # what was typed is kept
        stored = load(db, survey.slug)
        assert stored.default_locale == "en" and stored.opens_at is None and stored.closes_at is None

    def test_unticking_every_reason_is_refused(self, client, db, login, make_survey):
        survey = make_survey("exit", state="draft")
        login("admin")
        data = self.settings(survey.slug, default_locale="pl")
        del data["reason_codes"]
        page = client.post(f"/staff/surveys/{survey.slug}/settings", data=data)
        assert page.status_code == 400
        assert 'class="errors"' in page.text or 'role="alert"' in page.text
        stored = load(db, survey.slug)
        assert list(stored.reason_codes) == list(PRESETS["exit"]["reasons"])
        assert stored.default_locale == "en"

    def test_unknown_reason_code_is_refused(self, client, db, login, make_survey):
        survey = make_survey("exit", state="draft")
        login("admin")
        page = client.post(f"/staff/surveys/{survey.slug}/settings",
                           data=self.settings(survey.slug, reason_codes=["moved", "not_a_reason"]))
        assert page.status_code == 400
        assert list(load(db, survey.slug).reason_codes) == list(PRESETS["exit"]["reasons"])


def test_texts_for_an_unknown_language_are_not_found(client, login, make_survey):
    survey = make_survey("exit")
    login("admin")
    assert client.get(f"/staff/surveys/{survey.slug}/texts/de").status_code == 404


def test_unknown_survey_is_not_found(client, login):
    login("admin")
    assert client.get("/staff/surveys/no-such-survey").status_code == 404


def test_missing_csrf_token_shows_send_again_page_keeping_the_fields(csrf_app, client, db, make_user):
    user = make_user("admin")
    login_page = client.get("/staff/login")
    signed_in = client.post("/staff/login", data={"email": user.email, "password": PASSWORD,
                                                  "csrf_token": csrf_token(login_page.text)})
    assert signed_in.status_code == 302

    page = client.post("/staff/surveys/new", data={"template": "loyalty", "slug": "loyalty-kept",
                                                   "default_locale": "ru"}, headers={"Origin": "http://localhost"})
    assert page.status_code == 400
    assert 'name="slug" value="loyalty-kept"' in page.text
    assert 'name="default_locale" value="ru"' in page.text
    assert survey_count(db) == 0

    # Sending the kept fields again with the page's fresh token creates the survey.
    fields = {"template": "loyalty", "slug": "loyalty-kept", "default_locale": "ru"}
    resent = client.post("/staff/surveys/new", data={**fields, "csrf_token": csrf_token(page.text)})
    assert resent.status_code == 302
    assert load(db, "loyalty-kept").default_locale == "ru"


class TestCommands:
    def test_create_open_and_list_as_json(self, runner, db):
        created = runner.invoke(args=["surveys", "create", "--template", "loyalty", "--slug", "x-1", "--open",
                                      "--open-link"])
        assert created.exit_code == 0, created.output
        listed = runner.invoke(args=["surveys", "list", "--format", "json"])
        assert listed.exit_code == 0, listed.output
        rows = json.loads(listed.output)
        assert rows == [{"slug": "x-1", "kind": "loyalty", "state": "open", "answers": 0,
                         "title": PRESETS["loyalty"]["title"]["en"]}]
        survey = load(db, "x-1")
        assert survey.open_link is True and survey.state == SurveyState.OPEN

    def test_list_counts_answers(self, runner, client, make_survey):
        survey = make_survey("exit", slug="exit-counted")
        answered = client.post(f"/s/o/{survey.slug}", data=answer_data(survey, main_reason="moved"))
        assert answered.status_code == 303
        rows = json.loads(runner.invoke(args=["surveys", "list", "--format", "json"]).output)
        assert [(r["slug"], r["answers"]) for r in rows] == [("exit-counted", 1)]

    def test_creating_a_taken_slug_fails_with_a_clear_message(self, runner, db):
        first = runner.invoke(args=["surveys", "create", "--template", "loyalty", "--slug", "x-1"])
        assert first.exit_code == 0
        again = runner.invoke(args=["surveys", "create", "--template", "exit", "--slug", "x-1"])
        assert again.exit_code != 0
        assert "Error: Another survey already uses this address." in again.output
        assert "Traceback" not in again.output
        assert survey_count(db) == 1
        assert load(db, "x-1").kind == SurveyKind.LOYALTY

    def test_malformed_slug_fails_with_a_clear_message(self, runner, db):
        result = runner.invoke(args=["surveys", "create", "--template", "exit", "--slug", "Bad Slug!"])
        assert result.exit_code != 0
        assert "Error: Use 3 to 64 lower-case letters, digits and hyphens." in result.output
        assert survey_count(db) == 0
