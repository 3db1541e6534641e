"""The staff survey: "Why do you think our customers leave?", anonymous, answered by the team through its link."""
import pytest
from sqlalchemy import select

from survey_app.responses.models import Response
from survey_app.surveys.models import Survey, SurveyKind
from survey_app.surveys.presets import PRESETS
from survey_app.surveys.services import get_survey
from tests.conftest import answer_data


def load(db, slug: str) -> Survey:
    with db():
        survey = get_survey(slug)
        _ = survey.questions  # load them before the context ends
        return survey


def test_template_asks_the_team_with_the_exit_reasons_in_four_languages():
    staff = PRESETS["staff"]
    assert staff["reasons"] == PRESETS["exit"]["reasons"]
    assert [q["type"] for q in staff["questions"]] == ["main_reason", "other_reasons", "free_text"]
    for texts in (staff["title"], staff["intro"], staff["thanks"], *(q["text"] for q in staff["questions"])):
        assert set(texts) == {"en", "fr", "pl", "ru"} and all(t.strip() for t in texts.values())
    assert staff["title"]["en"] == "Why do you think our customers leave?"
    # French: a narrow no-break space before "?", never a plain one; Polish in the formal register.
    assert all(" ?" not in q["text"]["fr"] for q in staff["questions"])
    assert staff["title"]["fr"].endswith("\u202f?") and "Państwa" in staff["title"]["pl"]


def test_cli_creates_an_anonymous_staff_survey_with_a_public_link(runner, db):
    result = runner.invoke(args=["surveys", "create", "--template", "staff", "--slug", "team-2026", "--open"])
    assert result.exit_code == 0, result.output
    assert "Created staff survey team-2026 (open)" in result.output
    survey = load(db, "team-2026")
    assert survey.kind == SurveyKind.STAFF and survey.anonymous and survey.open_link
    assert survey.title["ru"] == PRESETS["staff"]["title"]["ru"]
    assert "staff" in runner.invoke(args=["surveys", "create", "--help"]).output


def test_new_survey_page_offers_the_staff_template(client, db, login):
    login("admin")
    page = client.get("/staff/surveys/new")
    assert 'value="staff"' in page.text and "Staff survey: why do you think our customers leave?" in page.text
    created = client.post("/staff/surveys/new", data={"template": "staff", "slug": "team-page", "default_locale": "pl"})
    assert created.status_code == 302
    survey = load(db, "team-page")
    assert survey.kind == SurveyKind.STAFF and survey.anonymous and survey.open_link


def test_a_staff_survey_stays_anonymous_when_its_settings_are_saved(client, db, login, make_survey):
    survey = make_survey("staff", state="draft")
    login("admin")
    saved = client.post(f"/staff/surveys/{survey.slug}/settings", data={
        "slug": survey.slug, "default_locale": "en", "open_link": "y", "opens_at": "", "closes_at": "",
        "reason_codes": ["moved", "cheaper_elsewhere"]})  # "anonymous" left unticked
    assert saved.status_code == 302
    assert load(db, survey.slug).anonymous is True


@pytest.mark.parametrize("lang", ["en", "fr", "pl", "ru"])
def test_the_team_answers_through_the_public_link_and_nobody_is_named(app, db, make_survey, lang):
    survey = make_survey("staff")
    public = app.test_client()
    page = public.get(f"/s/o/{survey.slug}?lang={lang}")
    assert page.status_code == 200 and PRESETS["staff"]["questions"][0]["text"][lang] in page.text.replace(
        "&#39;", "'").replace("&#34;", '"')
    answered = public.post(f"/s/o/{survey.slug}", data=answer_data(survey, main_reason="cheaper_elsewhere"))
    assert answered.status_code == 303
    with db() as session:
        response = session.scalar(select(Response).where(Response.survey_id == survey.id))
        assert response.customer_id is None and response.channel.value == "link"
        assert response.primary_bucket == "competitor"


def test_staff_kind_has_a_label(app):
    from survey_app.labels import kind_label

    with app.test_request_context():
        assert kind_label("staff") == "Staff survey"


def test_no_customer_interview_is_recorded_on_a_staff_survey(client, db, login, make_survey, make_customer):
    survey = make_survey("staff", slug="team-interview")
    customer = make_customer(ref="CRM-9")
    exit_survey = make_survey("exit", slug="exit-interview")
    login("interviewer")
    start = client.get("/staff/interviews").text
    assert "exit-interview" in start and "team-interview" not in start
    page = client.get(f"/staff/surveys/{survey.slug}/interview?customer={customer.external_ref}")
    assert page.status_code == 409 and "No interviews on a staff survey" in page.text
    posted = client.post(f"/staff/surveys/{survey.slug}/interview",
                         data={"customer_ref": "CRM-9", **answer_data(survey, main_reason="moved")})
    assert posted.status_code == 409
    with db() as session:
        assert session.scalar(select(Response.id).where(Response.survey_id == survey.id)) is None
    assert exit_survey.kind == SurveyKind.EXIT


def test_staff_survey_page_offers_the_link_and_no_customer_actions(client, login, make_survey):
    survey = make_survey("staff", slug="team-page-2")
    exit_survey = make_survey("exit", slug="exit-page-2")
    login("admin")
    page = client.get(f"/staff/surveys/{survey.slug}").text
    assert "Share the public link with your team." in page and f"/s/o/{survey.slug}" in page
    for hidden in ("/invitations/", "/interview", "/responses/import"):
        assert f"/staff/surveys/{survey.slug}{hidden}" not in page, hidden
    other = client.get(f"/staff/surveys/{exit_survey.slug}").text
    assert "Share the public link" not in other
    for shown in ("/invitations/", "/interview", "/responses/import"):
        assert f"/staff/surveys/{exit_survey.slug}{shown}" in other, shown
