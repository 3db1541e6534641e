"""Signing out, a new password and deactivation end every session: a cookie captured before no longer works,
and the users CLI that sets passwords and (de)activates accounts."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.auth.models import StaffUser
from tests.conftest import PASSWORD

NEW_PASSWORD = "a brand new long password"
STAFF_PAGE = "/staff/surveys/"


def sign_in(client, email: str, password: str = PASSWORD, remember: bool = True) -> dict[str, str]:
    """Sign ``client`` in; return its cookies as an eavesdropper would copy them."""
    data = {"email": email, "password": password, **({"remember": "y"} if remember else {})}
    response = client.post("/staff/login", data=data)
    assert response.status_code == 302, response.text
    names = ("session", "remember_token") if remember else ("session",)
    return {name: client.get_cookie(name).value for name in names}


def replay(app, **cookies: str) -> int:
    """Open a staff page in a fresh browser holding only ``cookies``; return the status (200 in, 302 out)."""
    browser = app.test_client()
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    return browser.get(STAFF_PAGE).status_code


def test_session_cookie_captured_before_sign_out_no_longer_works(app, client, make_user):
    user = make_user("analyst")
    stolen = sign_in(client, user.email, remember=False)["session"]
    assert replay(app, session=stolen) == 200
    client.post("/staff/logout")
    assert replay(app, session=stolen) == 302


def test_remember_token_captured_before_sign_out_no_longer_works(app, client, make_user):
    user = make_user("analyst")
    stolen = sign_in(client, user.email)["remember_token"]
    assert replay(app, remember_token=stolen) == 200, "the token alone signs a browser in"
    client.post("/staff/logout")
    assert replay(app, remember_token=stolen) == 302


def test_signing_out_ends_the_sessions_of_every_browser(app, make_user):
    user = make_user("analyst")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, user.email)
    sign_in(phone, user.email)
    laptop.post("/staff/logout")
    assert phone.get(STAFF_PAGE).status_code == 302


def test_remember_token_differs_after_signing_out_and_in_again(client, make_user):
    user = make_user("analyst")
    first = sign_in(client, user.email)["remember_token"]
    client.post("/staff/logout")
    second = sign_in(client, user.email)["remember_token"]
    assert second != first


def test_signing_in_again_without_signing_out_keeps_other_browsers_in(app, make_user):
    user = make_user("analyst")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, user.email)
    sign_in(phone, user.email)
    assert laptop.get(STAFF_PAGE).status_code == 200


class TestUsersCli:
    @pytest.fixture
    def user(self, make_user):
        return make_user("admin")

    @pytest.fixture
    def captured(self, app, client, user):
        """Cookies of a signed-in browser, checked to work before the command runs."""
        cookies = sign_in(client, user.email)
        assert replay(app, **cookies) == 200
        return cookies

    def test_set_password_ends_every_session_and_changes_the_password(self, app, runner, client, monkeypatch, user,
                                                                      captured):
        monkeypatch.setenv("NEW_PW", NEW_PASSWORD)
        result = runner.invoke(args=["users", "set-password", "--email", user.email.upper(),
                                     "--password-env", "NEW_PW"])
        assert result.exit_code == 0, result.output
        assert user.email in result.output
        assert replay(app, session=captured["session"]) == 302
        assert replay(app, remember_token=captured["remember_token"]) == 302
        assert client.get(STAFF_PAGE).status_code == 302, "the browser that was signed in is signed out"
        assert client.post("/staff/login", data={"email": user.email, "password": PASSWORD}).status_code == 401
        sign_in(client, user.email, NEW_PASSWORD)

    def test_set_password_with_prompt(self, runner, db, user):
        result = runner.invoke(args=["users", "set-password", "--email", user.email],
                               input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
        assert result.exit_code == 0, result.output
        with db() as session:
            assert session.get(StaffUser, user.id).check_password(NEW_PASSWORD)

    def test_short_password_is_refused_and_the_old_one_kept(self, runner, db, monkeypatch, user, captured, app):
        monkeypatch.setenv("NEW_PW", "short")
        result = runner.invoke(args=["users", "set-password", "--email", user.email, "--password-env", "NEW_PW"])
        assert result.exit_code != 0 and "at least" in result.output
        with db() as session:
            assert session.get(StaffUser, user.id).check_password(PASSWORD)
        assert replay(app, **captured) == 200

    def test_deactivate_ends_every_session_and_activate_lets_the_account_back_in(self, app, runner, client, db,
                                                                                 user, captured):
        result = runner.invoke(args=["users", "deactivate", "--email", user.email])
        assert result.exit_code == 0 and "deactivated" in result.output
        assert replay(app, session=captured["session"]) == 302
        assert replay(app, remember_token=captured["remember_token"]) == 302
        assert client.get(STAFF_PAGE).status_code == 302
        assert client.post("/staff/login", data={"email": user.email, "password": PASSWORD}).status_code == 401
        with db() as session:
            assert session.get(StaffUser, user.id).active is False

        result = runner.invoke(args=["users", "activate", "--email", user.email])
        assert result.exit_code == 0 and "activated" in result.output
        assert replay(app, **captured) == 302, "old cookies stay dead"
        sign_in(client, user.email)
        assert client.get(STAFF_PAGE).status_code == 200

    @pytest.mark.parametrize("command", ["set-password", "deactivate", "activate"])
    def test_unknown_email_is_refused(self, runner, monkeypatch, db, command):
        monkeypatch.setenv("NEW_PW", NEW_PASSWORD)
        extra = ["--password-env", "NEW_PW"] if command == "set-password" else []
        result = runner.invoke(args=["users", command, "--email", "nobody@example.com", *extra])
        assert result.exit_code != 0 and "nobody@example.com" in result.output
        with db() as session:
            assert session.scalars(select(StaffUser)).all() == []
