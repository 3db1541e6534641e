"""The staff response list and its filters."""
from tests.conftest import answer_data


def _answer(client, survey, lang, **values):
    assert client.post(f"/s/o/{survey.slug}?lang={lang}", data=answer_data(survey, **values)).status_code == 303


def test_filters_by_survey_language_and_bucket(app, client, login, make_survey):
    exit_survey = make_survey("exit", slug="exit-list")
    loyalty = make_survey("loyalty", slug="loyalty-list")
    public = app.test_client()
    _answer(public, exit_survey, "fr", main_reason="moved", free_text="Nous avons déménagé à Nantes.")
    _answer(public, exit_survey, "pl", main_reason="cheaper_elsewhere", free_text="Znalazłem taniej.")
    _answer(public, loyalty, "ru", main_reason="outages", free_text="Сбои каждую неделю.")
    login("analyst")

    everything = client.get("/staff/responses").text
    assert "3 responses" in everything
    only_exit = client.get("/staff/responses?survey=exit-list").text
    assert "2 responses" in only_exit and "loyalty-list" not in only_exit.split("<tbody>")[1]
    polish = client.get("/staff/responses?locale=pl").text
    assert "1 response" in polish
    competitor = client.get("/staff/responses?bucket=competitor").text
    assert "1 response" in competitor and "exit-list" in competitor


def test_choices_not_offered_are_ignored(client, login):
    login("analyst")
    page = client.get("/staff/responses?locale=xx&bucket=<script>&channel=fax")
    assert page.status_code == 200 and "<script>" not in page.text


def test_a_bad_date_or_page_number_is_a_400_naming_it_not_a_500(client, login):
    login("analyst")
    for query, name in (("since=yesterday", "since"), ("page=-4", "page"), ("until=2024-02-30", "until")):
        page = client.get(f"/staff/responses?{query}")
        assert page.status_code == 400 and f"“{name}”" in page.text, query
