"""Signing in and out, throttling, and the users CLI."""
import pytest
from sqlalchemy import select

from survey_app.auth.models import StaffUser
from tests.conftest import PASSWORD, csrf_token


def test_staff_sign_in_and_out(client, make_user):
    user = make_user("analyst")
    assert client.get("/staff/responses").status_code == 302
    response = client.post("/staff/login?next=/staff/responses",
                           data={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/staff/responses"
    assert client.get("/staff/responses").status_code == 200
    client.post("/staff/logout")
    assert client.get("/staff/responses").status_code == 302


def test_wrong_password_is_refused_and_the_email_kept(client, make_user):
    user = make_user("admin")
    page = client.post("/staff/login", data={"email": user.email, "password": "nope"})
    assert page.status_code == 401
    assert user.email in page.text
    assert client.get("/staff/surveys/").status_code == 302


def test_next_never_leaves_the_site(client, make_user):
    user = make_user("admin")
    response = client.post("/staff/login?next=//evil.example/x", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/staff/"


def test_inactive_account_cannot_sign_in(client, db, make_user):
    user = make_user("admin")
    with db() as session:
        session.get(StaffUser, user.id).active = False
    assert client.post("/staff/login", data={"email": user.email, "password": PASSWORD}).status_code == 401


def test_passwords_are_stored_as_slow_hashes(db, make_user):
    user = make_user("admin")
    assert PASSWORD not in user.password_hash and user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_login_is_throttled_with_a_translated_page(app, make_user):
    from survey_app import create_app
    from survey_app.config import TestingConfig
    from survey_app.extensions import limiter

    throttled = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                           RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute")
    try:
        client = throttled.test_client()
        user = make_user("admin")
        statuses = [client.post("/staff/login", data={"email": user.email, "password": "bad"}).status_code
                    for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        page = client.post("/staff/login", data={"email": user.email, "password": PASSWORD},
                           headers={"Accept-Language": "ru"})
        assert page.status_code == 429 and '<html lang="ru">' in page.text
        assert client.get("/staff/login").status_code == 200  # only sign-in attempts are limited
    finally:
        limiter.init_app(app)  # the limiter is shared: give the test app back its own settings


def test_missing_csrf_on_login_gives_400_and_keeps_the_email(csrf_app, client, make_user):
    user = make_user("admin")
    page = client.post("/staff/login", data={"email": user.email, "password": PASSWORD})
    assert page.status_code == 400
    assert f'value="{user.email}"' in page.text
    resend = {"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(page.text)}
    assert client.post("/staff/login", data=resend).status_code == 302


def test_staff_preferred_language_is_used(client, login):
    login("analyst", locale="pl")
    assert '<html lang="pl">' in client.get("/staff/surveys/").text
    assert '<html lang="fr">' in client.get("/staff/surveys/?lang=fr").text


class TestUsersCli:
    def test_create_with_password_from_environment(self, app, runner, db, monkeypatch):
        monkeypatch.setenv("NEW_PW", "a long enough password")
        result = runner.invoke(args=["users", "create", "--email", "Ana@Example.com", "--role", "analyst",
                                     "--password-env", "NEW_PW"])
        assert result.exit_code == 0, result.output
        with db() as session:
            user = session.scalar(select(StaffUser).where(StaffUser.email == "ana@example.com"))
            assert user.role == "analyst" and user.check_password("a long enough password")

    def test_create_with_prompt(self, runner):
        result = runner.invoke(args=["users", "create", "--email", "i@example.com", "--role", "interviewer"],
                               input="another long password\nanother long password\n")
        assert result.exit_code == 0 and "interviewer" in result.output

    @pytest.mark.parametrize("args, message", [
        (["--email", "not-an-email", "--role", "admin"], "email"),
        (["--email", "x@example.com", "--role", "boss"], "boss"),
    ])
    def test_bad_arguments_are_refused(self, runner, monkeypatch, args, message):
        monkeypatch.setenv("PW", "a long enough password")
        result = runner.invoke(args=["users", "create", *args, "--password-env", "PW"])
        assert result.exit_code != 0 and message in result.output.lower()

    def test_short_password_and_duplicate_email_are_refused(self, runner, monkeypatch, make_user):
        monkeypatch.setenv("PW", "short")
        assert runner.invoke(args=["users", "create", "--email", "s@example.com", "--role", "admin",
                                   "--password-env", "PW"]).exit_code != 0
        user = make_user("admin")
        monkeypatch.setenv("PW", "a long enough password")
        result = runner.invoke(args=["users", "create", "--email", user.email, "--role", "admin",
                                     "--password-env", "PW"])
        assert result.exit_code != 0 and "already" in result.output


@pytest.mark.parametrize("case", ["unknown-email", "inactive-account", "wrong-password"])
def test_every_failed_sign_in_checks_one_password_hash_of_the_same_cost(client, db, make_user, monkeypatch, case):
    """No timing difference tells which emails have an account: a failure always costs one slow hash check."""
    from survey_app.auth import models

    user = make_user("admin")
    if case == "inactive-account":
        with db() as session:
            session.get(StaffUser, user.id).active = False
    checked = []
    real_check = models.check_password_hash

    def counting_check(password_hash: str, password: str) -> bool:
        checked.append(password_hash.split("$")[0])  # method and cost, e.g. scrypt:32768:8:1
        return real_check(password_hash, password)

    monkeypatch.setattr(models, "check_password_hash", counting_check)
    email = "nobody@example.com" if case == "unknown-email" else user.email
    password = PASSWORD if case == "inactive-account" else "wrong password"
    assert client.post("/staff/login", data={"email": email, "password": password}).status_code == 401
    assert checked == [user.password_hash.split("$")[0]]
