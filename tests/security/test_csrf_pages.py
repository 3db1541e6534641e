"""A form refused for its CSRF token, or kept while the database is down: "send again" only for a request
from the site's own pages and never for signing in, no password ever written back, no page holding typed
data kept in a cache, and every cookie ``SameSite=Lax`` and ``HttpOnly`` (``Secure`` in production)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from html import unescape
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from survey_app.surveys.models import Survey
from tests.conftest import PASSWORD, answer_data, csrf_token

#: The test client's own origin (its requests go to http://localhost/).
SAME_SITE = [
    pytest.param({"Origin": "http://localhost"}, id="origin"),
    pytest.param({"Referer": "http://localhost/staff/surveys/new"}, id="referer-only"),
    pytest.param({"Origin": "null", "Sec-Fetch-Site": "same-origin"}, id="null-origin-same-origin-fetch"),
]
OTHER_SITE = [
    pytest.param({"Origin": "https://evil.example"}, id="other-origin"),
    pytest.param({"Origin": "http://localhost.evil.example"}, id="lookalike-origin"),
    pytest.param({"Origin": "https://localhost"}, id="other-scheme"),
    pytest.param({"Referer": "https://evil.example/localhost/"}, id="other-referer"),
    pytest.param({"Origin": "null"}, id="null-origin"),
    pytest.param({"Origin": "https://evil.example", "Referer": "http://localhost/"}, id="origin-wins-over-referer"),
    pytest.param({"Origin": "null", "Sec-Fetch-Site": "cross-site"}, id="null-origin-cross-site-fetch"),
    pytest.param({}, id="no-origin-no-referer"),
]
PLANTED = {"template": "loyalty", "slug": "planted", "default_locale": "ru"}
SECRETS = {"password": "hunter2-secret-one", "new_password": "hunter2-secret-two",
           "Password_Confirm": "hunter2-secret-three"}


def survey_count(db) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(Survey))


def form_action(html: str) -> str | None:
    """The action of the page's send-again form, if it has one."""
    match = re.search(r'<form method="post" action="([^"]*)">\s*<input type="hidden" name="csrf_token"', html)
    return unescape(match.group(1)) if match else None


@pytest.fixture
def admin(csrf_app, client, make_user):
    """A client signed in as an admin, with CSRF protection on."""
    user = make_user("admin")
    signed_in = client.post("/staff/login", data={"email": user.email, "password": PASSWORD,
                                                  "csrf_token": csrf_token(client.get("/staff/login").text)})
    assert signed_in.status_code == 302
    return client


@pytest.mark.parametrize("headers", OTHER_SITE)
def test_a_post_from_another_site_gets_no_send_again_form(admin, db, headers):
    page = admin.post("/staff/surveys/new", data=PLANTED, headers=headers)
    assert page.status_code == 400
    assert "planted" not in page.text, "the other site's fields are not written into the page"
    assert form_action(page.text) is None and "Send again" not in page.text
    assert "This form was not sent" in page.text
    assert 'href="/staff/surveys/new"' in page.text, "a link back to the form"
    assert survey_count(db) == 0


@pytest.mark.parametrize("headers", SAME_SITE)
def test_a_post_from_the_sites_own_page_is_offered_again(admin, db, headers):
    page = admin.post("/staff/surveys/new", data=PLANTED, headers=headers)
    assert page.status_code == 400 and form_action(page.text) == "/staff/surveys/new"
    assert 'name="slug" value="planted"' in page.text
    resent = admin.post("/staff/surveys/new", data={**PLANTED, "csrf_token": csrf_token(page.text)}, headers=headers)
    assert resent.status_code == 302 and survey_count(db) == 1


def test_the_public_address_in_base_url_counts_as_the_sites_own(csrf_app, make_user, db):
    """Behind a TLS proxy the app sees http:// while the browser's Origin says https://."""
    csrf_app.config["BASE_URL"] = "https://surveys.example.com"
    client = csrf_app.test_client()
    user = make_user("admin")
    base = "http://surveys.example.com"
    login_page = client.get("/staff/login", base_url=base)
    client.post("/staff/login", base_url=base, data={"email": user.email, "password": PASSWORD,
                                                     "csrf_token": csrf_token(login_page.text)})
    page = client.post("/staff/surveys/new", base_url=base, data=PLANTED,
                       headers={"Origin": "https://surveys.example.com"})
    assert page.status_code == 400 and form_action(page.text) == "/staff/surveys/new"


def test_no_password_is_ever_written_into_a_send_again_form(admin):
    page = admin.post("/staff/surveys/new", data={**PLANTED, **SECRETS}, headers={"Origin": "http://localhost"})
    assert page.status_code == 400 and 'name="slug" value="planted"' in page.text
    for name, secret in SECRETS.items():
        assert secret not in page.text and f'name="{name}"' not in page.text


@pytest.mark.parametrize("headers", [
    pytest.param({"Origin": "http://localhost"}, id="same-site"),
    pytest.param({"Origin": "https://evil.example"}, id="other-site"),
    pytest.param({}, id="no-origin"),
])
def test_sign_in_with_a_failed_token_shows_the_sign_in_form_again(csrf_app, client, make_user, headers):
    user = make_user("admin")
    page = client.post("/staff/login", data={"email": user.email, "password": PASSWORD, "remember": "y"},
                       headers=headers)
    assert page.status_code == 400
    assert "Please sign in again" in page.text
    assert f'value="{user.email}"' in page.text, "the email is kept"
    assert PASSWORD not in page.text, "the password never is"
    assert "Send again" not in page.text and form_action(page.text) is None
    assert client.get("/staff/surveys/").status_code == 302, "nobody was signed in"
    again = client.post("/staff/login", data={"email": user.email, "password": PASSWORD,
                                              "csrf_token": csrf_token(page.text)})
    assert again.status_code == 302 and client.get("/staff/surveys/").status_code == 200


def test_sign_in_again_message_is_translated(csrf_app, client, make_user):
    user = make_user("admin")
    page = client.post("/staff/login", data={"email": user.email, "password": PASSWORD},
                       headers={"Accept-Language": "pl"})
    assert page.status_code == 400 and '<html lang="pl"' in page.text
    assert "Please sign in again" not in page.text and "Zaloguj się ponownie" in page.text


class TestDatabaseOutagePage:
    """The 503 page that keeps a respondent's answers while the database is unreachable."""

    @pytest.fixture
    def survey(self, make_survey, monkeypatch):
        def unreachable(*args, **kwargs):
            raise OperationalError("INSERT INTO response", {}, ConnectionRefusedError("database is down"))

        monkeypatch.setattr("survey_app.responses.services.record_response", unreachable)
        return make_survey("exit")

    def test_same_site_post_keeps_the_answers_without_any_password(self, client, survey):
        data = {**answer_data(survey, main_reason="moved", free_text="Nous avons déménagé."), **SECRETS}
        page = client.post(f"/s/o/{survey.slug}", data=data, headers={"Origin": "http://localhost"})
        assert page.status_code == 503
        assert "Nous avons déménagé." in unescape(page.text) and form_action(page.text) == f"/s/o/{survey.slug}"
        for name, secret in SECRETS.items():
            assert secret not in page.text and f'name="{name}"' not in page.text
        assert "no-store" in page.headers["Cache-Control"]

    @pytest.mark.parametrize("headers", OTHER_SITE)
    def test_other_site_post_gets_no_send_again_form(self, client, survey, headers):
        data = answer_data(survey, main_reason="moved", free_text="Planted by another site")
        page = client.post(f"/s/o/{survey.slug}", data=data, headers=headers)
        assert page.status_code == 503
        assert "Planted by another site" not in page.text and form_action(page.text) is None

    def test_sign_in_is_never_offered_again(self, client, make_user, monkeypatch):
        user = make_user("admin")

        def unreachable(*args, **kwargs):
            raise OperationalError("SELECT staff_user", {}, ConnectionRefusedError("database is down"))

        monkeypatch.setattr("survey_app.auth.views.authenticate", unreachable)
        page = client.post("/staff/login", data={"email": user.email, "password": PASSWORD},
                           headers={"Origin": "http://localhost"})
        assert page.status_code == 503 and form_action(page.text) is None and PASSWORD not in page.text


@pytest.fixture
def catch_all(app):
    """An app of its own with a route that takes any address, so hostile paths reach the error pages."""
    from survey_app import create_app
    from survey_app.config import TestingConfig

    other = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                       WTF_CSRF_ENABLED=True)

    def anything(rest: str):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database is down"))

    other.add_url_rule("/<path:rest>", "anything", anything, methods=["POST"])
    return other


@pytest.mark.parametrize("path", ["/\\evil.example", "/\\/evil.example/x", "/\t/evil.example", "/%5C%5Cevil.example",
                                  "/\\\\evil.example?next=//evil.example"])
@pytest.mark.parametrize("csrf_on", [True, False], ids=["csrf-page", "outage-page"])
def test_the_send_again_form_never_points_off_site(catch_all, path, csrf_on):
    catch_all.config["WTF_CSRF_ENABLED"] = csrf_on
    raw_path, _, query = path.partition("?")
    page = catch_all.test_client().post(
        "/", data={"kept": "value"}, headers={"Origin": "http://localhost"},
        environ_overrides={"PATH_INFO": raw_path, "QUERY_STRING": query})
    if page.status_code == 404:  # a control character in the path matches no route at all: no form to point
        assert "\t" in raw_path and form_action(page.text) is None
        return
    assert page.status_code == (400 if csrf_on else 503)
    action = form_action(page.text)
    assert action is not None, page.text
    # Browsers drop tabs and newlines from URLs and read "\" as "/": neither may turn the path into "//host".
    seen_by_browser = re.sub(r"[\t\n\r]", "", action).replace("\\", "/")
    assert seen_by_browser.startswith("/") and not seen_by_browser.startswith("//"), action
    assert not urlsplit(seen_by_browser).netloc


class TestNoStore:
    """Pages that can hold what someone typed are never kept by the browser or a proxy."""

    def test_html_pages_and_answers_to_posts_are_not_stored(self, client, make_user, make_survey):
        user = make_user("admin")
        survey = make_survey("exit")
        pages = [client.get("/staff/login"),
                 client.post("/staff/login", data={"email": user.email, "password": "wrong password"}),
                 client.get(f"/s/o/{survey.slug}"),
                 client.post(f"/s/o/{survey.slug}", data=answer_data(survey, free_text="no main reason")),
                 client.post("/staff/login", data={"email": user.email, "password": PASSWORD}),
                 client.get("/staff/surveys/"),
                 client.post("/staff/logout")]
        for page in pages:
            assert page.status_code < 500
            assert "no-store" in page.headers.get("Cache-Control", ""), (page.request.path, page.headers)

    def test_csrf_page_is_not_stored(self, admin):
        page = admin.post("/staff/surveys/new", data=PLANTED, headers={"Origin": "http://localhost"})
        assert page.status_code == 400 and "no-store" in page.headers["Cache-Control"]

    def test_static_files_keep_their_own_caching(self, client):
        style = client.get("/static/style.css")
        assert style.status_code == 200 and style.data
        assert "no-store" not in style.headers.get("Cache-Control", "")
        style.close()


def _set_cookies(response) -> list[str]:
    """The Set-Cookie headers that set a cookie (not those that delete one)."""
    cookies = response.headers.getlist("Set-Cookie")
    return [c for c in cookies if "Expires=Thu, 01 Jan 1970" not in c and not re.match(r"[^=]+=;", c)]


@pytest.mark.parametrize("production", [False, True], ids=["development", "production"])
def test_every_cookie_is_httponly_samesite_lax_and_secure_in_production(tmp_path, monkeypatch, make_user,
                                                                         production):
    from survey_app import create_app
    from survey_app.config import Config, ProductionConfig
    from survey_app.extensions import db as database

    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app(ProductionConfig if production else Config, SECRET_KEY="s" * 40,
                     SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/cookies.db", RATELIMIT_ENABLED=False)
    with app.app_context():
        database.create_all()
        from survey_app.auth.services import create_user

        create_user("cookie@example.com", "admin", PASSWORD)
        database.session.commit()
    client = app.test_client()
    base = "https://surveys.example.com" if production else "http://localhost"
    seen = []
    page = client.get("/staff/login?lang=fr", base_url=base)
    seen += _set_cookies(page)
    signed_in = client.post("/staff/login", base_url=base, headers={"Referer": f"{base}/staff/login"}, data={
        "email": "cookie@example.com", "password": PASSWORD, "remember": "y", "csrf_token": csrf_token(page.text)})
    assert signed_in.status_code == 302
    seen += _set_cookies(signed_in)
    seen += _set_cookies(client.get("/staff/surveys/?lang=pl", base_url=base))
    names = {cookie.split("=", 1)[0] for cookie in seen}
    assert {"session", "remember_token"} <= names, seen
    for cookie in seen:
        attributes = [part.strip() for part in cookie.split(";")]
        assert "HttpOnly" in attributes and "SameSite=Lax" in attributes, cookie
        assert ("Secure" in attributes) is production, cookie
    remember = next(c for c in seen if c.startswith("remember_token="))
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", remember).group(1))
    assert expires - datetime.now(timezone.utc) < timedelta(days=31), "remembered for 30 days, not a year"
    assert expires - datetime.now(timezone.utc) > timedelta(days=29)
